// The configuration of one containerd of shmlab's own: every path its own, and the settings this host needs for CRI.
import { join } from 'node:path';
import { stringify } from 'smol-toml';

/** Where shmlab's own daemons live (the same home as the Docker engines of the matrix): short, for socket paths. */
const CONTAINERD_HOME = '/var/lib/shmlab';

/** Where a run keeps its pods' log and emptyDir folders, per engine: <CRI_DATA>/<engine>. */
export const CRI_DATA = '/var/lib/shmlab/cri-data';

export interface ContainerdLayout {
  name: string;
  home: string;
  config: string;
  root: string;
  state: string;
  socket: string;
  address: string;
  runcRoot: string;
  opt: string;
  cniBin: string;
  cniConf: string;
  log: string;
  pidFile: string;
  /** How the daemon was started (binary, PATH, hidden mounts): what a restart starts again. */
  launchFile: string;
  /** host-local's records of the addresses it gave pods. */
  cniState: string;
  /** Pod log directories (CRI's log_directory), one per pod. */
  podLogs: string;
  /** emptyDir volumes: <emptyDirs>/<pod>/<volume>, removed with the pod. */
  emptyDirs: string;
  /** A run's pod folders for this engine (its emptyDir tmpfs mounts among them): see CRI_DATA. */
  runData: string;
}

export function containerdLayout(name: string, home = join(CONTAINERD_HOME, name)): ContainerdLayout {
  const socket = join(home, 'containerd.sock');
  return {
    name,
    home,
    config: join(home, 'config.toml'),
    root: join(home, 'root'),
    state: join(home, 'state'),
    socket,
    address: `unix://${socket}`,
    runcRoot: join(home, 'runc'),
    opt: join(home, 'opt'),
    cniBin: join(home, 'cni/bin'),
    cniConf: join(home, 'cni/net.d'),
    log: join(home, 'containerd.log'),
    pidFile: join(home, 'containerd.pid'),
    launchFile: join(home, 'launch.json'),
    cniState: join(home, 'cni/ipam'),
    podLogs: join(home, 'pods'),
    emptyDirs: join(home, 'emptydir'),
    runData: join(CRI_DATA, name),
  };
}

interface ContainerdSettings {
  /** 2 for containerd 1.x, 3 for 2.x: the section names differ. */
  configVersion: 2 | 3;
  /** The pause image's name (shmlab's own, imported before any pod: there is no registry to pull it from). */
  sandboxImage: string;
  /** The OCI runtime's binary (runc: the system's, whatever containerd's own package ships; or crun). */
  runc: string;
}

/** The config.toml text. */
export function containerdConfig(layout: ContainerdLayout, settings: ContainerdSettings): string {
  // The handler is named after the OCI runtime it runs (runc, crun), as RuntimeClass handlers usually are.
  const name = settings.runc.split('/').pop() === 'crun' ? 'crun' : 'runc';
  // The runc shim: the given binary, its state under our home, cgroupfs (no systemd here).
  const options = { BinaryName: settings.runc, Root: layout.runcRoot, SystemdCgroup: false };
  const runtimes = (opts: object) => ({ [name]: { runtime_type: 'io.containerd.runc.v2', options: opts } });
  // The streaming server (crictl exec -i) listens only inside the daemon's own network namespace.
  const stream = { stream_server_address: '127.0.0.1', stream_server_port: '0' };
  // Every path its own: root, state, socket, and the opt plugin's folder.
  const own = (version: 2 | 3) => ({ version, root: layout.root, state: layout.state, grpc: { address: layout.socket } });
  const opt = { 'io.containerd.internal.v1.opt': { path: layout.opt } };
  const text = (major: string, config: object) => `# containerd ${major} for shmlab (${layout.name}); written by shmlab at every start.\n${stringify(config)}`;
  if (settings.configVersion === 2) {
    return text('1.x', {
      ...own(2),
      plugins: {
        ...opt,
        'io.containerd.grpc.v1.cri': {
          sandbox_image: settings.sandboxImage,
          // Without CAP_SYS_RESOURCE in the bounding set every sandbox fails otherwise.
          restrict_oom_score_adj: true,
          ...stream,
          // 1.x keeps the snapshotter here.
          containerd: { default_runtime_name: name, snapshotter: 'overlayfs', runtimes: runtimes(options) },
          cni: { bin_dir: layout.cniBin, conf_dir: layout.cniConf },
        },
      },
    });
  }
  return text('2.x', {
    ...own(3),
    plugins: {
      ...opt,
      'io.containerd.cri.v1.images': { snapshotter: 'overlayfs', pinned_images: { sandbox: settings.sandboxImage } },
      'io.containerd.cri.v1.runtime': {
        // Without CAP_SYS_RESOURCE in the bounding set every sandbox fails otherwise.
        restrict_oom_score_adj: true,
        containerd: {
          default_runtime_name: name,
          runtimes: runtimes(options),
        },
        cni: { bin_dirs: [layout.cniBin], conf_dir: layout.cniConf },
      },
      'io.containerd.grpc.v1.cri': stream,
      // NRI would listen on the host's shared /var/run/nri/nri.sock.
      'io.containerd.nri.v1.nri': { disable: true },
    },
  });
}

/**
 * The CNI network of pods that have a network namespace of their own: a bridge in the daemon's own (empty) network
 * namespace, link-local addresses (neither private nor public), no gateway, no masquerade: nothing leaves it.
 */
export function podNetworkConfig(layout: ContainerdLayout): string {
  const config = {
    cniVersion: '1.0.0',
    name: 'shmlab-pods',
    plugins: [
      {
        type: 'bridge',
        bridge: 'shmlab0',
        isGateway: false,
        ipMasq: false,
        ipam: { type: 'host-local', ranges: [[{ subnet: '169.254.123.0/24' }]], dataDir: layout.cniState },
      },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
