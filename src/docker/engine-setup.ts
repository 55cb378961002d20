// Provisions the Docker API engines of the matrix (dockerd with a named OCI runtime, Podman's API service) as
// shmlab's own daemons: Debian packages, unpacked without touching the system's apt configuration, each on its own
// socket and data root, in its own network namespace.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { debianPackage } from '../engine/debian-package.js';
import { aptInstall, hasCommand } from '../engine/host-tools.js';
import { runtimeBinary } from '../engine/runtime-binary.js';
import { writeFileAtomically } from '../fs/atomic-write.js';
import type { EngineEntry, RuntimeEntry } from '../model/engine-entry.js';
import { type StartedEngine, startDaemon, stopDaemon } from './daemon-process.js';
import { startRootlessDockerd, startRootlessPodman } from './rootless-setup.js';

export type { StartedEngine } from './daemon-process.js';

/** Podman's API service, with the runtime named and this host's settings, in `home`; rootless: as shmlab's user. */
export async function startPodman(entry: EngineEntry, home: string, say: (line: string) => void): Promise<StartedEngine> {
  if (!(await hasCommand('podman'))) await aptInstall(['podman'], say);
  mkdirSync(home, { recursive: true });
  // This machine cannot apply Podman's default ulimits; no systemd, so cgroupfs and a file event log.
  // The runtime is named: with crun installed beside it, Podman 4.3 would pick crun, which refuses this host's cgroups.
  // Its binary is installed and given by path: Debian's podman recommends crun only, so runc may be missing.
  const runtime = entry.runtime ?? { name: 'runc' };
  const binary = await runtimeBinary(runtime, say);
  writeFileAtomically(
    join(home, 'containers.conf'),
    `[containers]\ndefault_ulimits = []\n\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "${runtime.name}"\n\n[engine.runtimes]\n${runtime.name} = ["${binary}"]\n`,
  );
  const service = ['podman', 'system', 'service', '--time=0', `unix://${join(home, 'engine.sock')}`];
  const env = { ...process.env, CONTAINERS_CONF: join(home, 'containers.conf') };
  if (!entry.rootless) return startDaemon({ home, kind: 'service', command: service, env }, say);
  return startRootlessPodman(home, service, env, say);
}

/** dockerd of the entry's suite, with its runtime named as the default, in `home`; rootless: as shmlab's user. */
export async function startDockerd(entry: EngineEntry, home: string, say: (line: string) => void): Promise<StartedEngine> {
  const dockerd = await dockerdFrom(entry.from ?? 'bookworm', say);
  if (entry.rootless) {
    mkdirSync(home, { recursive: true });
    const config = join(home, 'daemon.json');
    writeFileAtomically(config, `${JSON.stringify({ 'default-runtime': 'runc' }, null, 2)}\n`);
    return startRootlessDockerd(dockerd, config, home, say);
  }
  // The unpacked package's own helpers (docker-init, docker-proxy) come first; containerd and runc are the system's.
  const path = [join(dockerd, '..'), join(dockerd, '../../bin'), process.env.PATH].join(':');
  const runtime = await dockerRuntime(entry.runtime, home, say);
  mkdirSync(home, { recursive: true });
  const config = join(home, 'daemon.json');
  writeFileAtomically(config, `${JSON.stringify(runtime.config, null, 2)}\n`);
  const daemon = await startDaemon(
    { home, kind: 'dockerd', command: [dockerd, '--config-file', config], env: { ...process.env, PATH: path }, unmount: runtime.unmount },
    say,
  );
  return { ...daemon, workarounds: runtime.workarounds, panicDir: runtime.panicDir };
}

/** Stops the daemon shmlab started in `home`. */
export function stopDockerApiEngine(home: string): Promise<boolean> {
  return stopDaemon(home);
}

interface DockerRuntime {
  /** daemon.json: the runtime, named as the default. */
  config: Record<string, unknown>;
  /** Mounts the daemon must not see (in a private mount namespace of its own). */
  unmount?: string[];
  workarounds: string[];
  /** The folder of the runtime's per-sandbox panic logs. */
  panicDir?: string;
}

/** The runtime of a Docker engine: always the default one by name, with its binary and this host's workarounds. */
async function dockerRuntime(runtime: RuntimeEntry | undefined, home: string, say: (line: string) => void): Promise<DockerRuntime> {
  const name = runtime?.name ?? 'runc';
  // runc is dockerd's built-in runtime: naming it as the default is all it takes (redefining it is refused).
  if (name === 'runc') return { config: { 'default-runtime': 'runc' }, workarounds: [] };
  const path = await runtimeBinary({ ...runtime, name }, say);
  // gVisor's panics go to a log per sandbox, so that a run can tell which experiment's sandbox crashed. runsc fills its
  // panic log's %TEST% from the container's environment variable that --TESTONLY-test-name-env names (runsc/sandbox:
  // createSandboxProcess), and Docker sets HOSTNAME to the container's short id: one file per container.
  const panicDir = name === 'runsc' ? join(home, 'panics') : undefined;
  const args = [...(runtime?.args ?? []), ...(panicDir ? [`--panic-log=${panicDir}/%TEST%.log`, '--TESTONLY-test-name-env=HOSTNAME'] : [])];
  const config = { 'default-runtime': name, runtimes: { [name]: { path, ...(args.length ? { runtimeArgs: args } : {}) } } };
  const workarounds: string[] = [];
  if (name === 'runsc' && args.includes('--network=none')) {
    workarounds.push(
      'gVisor runs with `--network=none`: on this kernel it refuses to start in the host network namespace otherwise ("cannot run with network enabled in root network namespace"); no experiment uses a network',
    );
  }
  if (name === 'crun') {
    workarounds.push(
      'dockerd runs in a private mount namespace without `/sys/fs/cgroup/unified`: crun 1.8 refuses this host\'s hybrid cgroups otherwise ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2")',
    );
    return { config, unmount: ['/sys/fs/cgroup/unified'], workarounds };
  }
  return { config, workarounds, panicDir };
}

/** The dockerd of a Debian suite: the system's for bookworm, else unpacked from that suite's docker.io. */
async function dockerdFrom(suite: string, say: (line: string) => void): Promise<string> {
  if (suite === 'bookworm') {
    if (!(await hasCommand('dockerd'))) await aptInstall(['docker.io'], say);
    return '/usr/sbin/dockerd';
  }
  return join(await debianPackage(suite, 'docker.io', say), 'usr/sbin/dockerd');
}
