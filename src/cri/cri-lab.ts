// The lab on a Kubernetes node runtime reached over CRI (CONTAINER_RUNTIME_ENDPOINT, crictl's convention): shmlab's
// images imported as OCI archives (never pulled), the kubelet-style driver, the host's IPC namespace through a pod
// with the node's IPC, and what killed runs left found by their pods' labels.
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { release } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { claimedImages, extraOf, imageSources, layOutContext, variantTag } from '../build/image-builder.js';
import { hasCommand } from '../engine/host-tools.js';
import { processSignal } from '../engine/interruption.js';
import { DEFAULT_DEADLINE_MS } from '../engine/lab-driver.js';
import { runtimeVersion } from '../engine/runtime-version.js';
import { EngineUnavailableError, SetupError } from '../errors.js';
import { releaseHostKeys } from '../lab/host-keys.js';
import type { HostIpc } from '../lab/host-segments.js';
import type { Lab, LabSetup } from '../lab/lab.js';
import { LabSession } from '../lab/lab-session.js';
import { liveClaims, processLease } from '../lab/process-lease.js';
import { removeStaleLocal } from '../lab/stale-resources.js';
import { IMAGE_LABEL, LABEL, LABEL_HELPER } from '../labels.js';
import type { EngineEnvironment } from '../model/result.js';
import { HARNESS_VERSION } from '../paths.js';
import { cgroupChildren } from './cgroup-folders.js';
import { CRI_DATA, containerdLayout } from './containerd-config.js';
import { ownContainerd, restartContainerd } from './containerd-provisioner.js';
import { CriClient } from './cri-client.js';
import { CriDriver, type CriDriverOptions, mountsUnder, POD_LABEL } from './cri-driver.js';
import { type ImportTarget, importImage } from './oci-archive.js';
import { ensurePauseImage, SANDBOX_IMAGE } from './pause-image.js';
import { type RuntimeConfig, runtimeConfig } from './runtime-status.js';
import { removeStalePods } from './stale-pods.js';

/** Where shmlab keeps what a CRI runtime's pods need on the host (emptyDir folders, pod logs), per runtime. */

// Docker's default for a container whose image names none: FROM-scratch images have no PATH of their own.
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export async function openCriLab(setup: LabSetup, endpoint: string): Promise<Lab> {
  const socket = socketOf(endpoint);
  const deadlineMs = setup.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const client = new CriClient(endpoint, deadlineMs, setup.signal);
  let runtime: { runtime_name: string; runtime_version: string };
  try {
    runtime = await client.version({ timeoutMs: Math.min(deadlineMs, 5000) });
  } catch (err) {
    client.close();
    const why = existsSync(socket) ? (err as Error).message : 'no socket there';
    throw new EngineUnavailableError(
      `The CRI runtime at CONTAINER_RUNTIME_ENDPOINT=${endpoint} does not answer (${why}): start it, or point CONTAINER_RUNTIME_ENDPOINT at one that runs.`,
    );
  }
  // Images reach a runtime through containerd's own import (CRI has none), and the reports tell containerd's internals.
  if (runtime.runtime_name !== 'containerd') {
    client.close();
    throw new EngineUnavailableError(
      `The CRI runtime at CONTAINER_RUNTIME_ENDPOINT=${endpoint} is ${runtime.runtime_name} ${runtime.runtime_version}: shmlab drives containerd only (it imports its images with containerd's ctr), so point CONTAINER_RUNTIME_ENDPOINT at a containerd.`,
    );
  }
  const given = setup.ctr ?? (setup.env ?? process.env).SHMLAB_CTR;
  const ctr = given ?? 'ctr';
  if (!given && !(await hasCommand('ctr'))) {
    client.close();
    throw new SetupError("containerd's ctr is needed to import shmlab's images (CRI has no import call): install containerd, or set SHMLAB_CTR to its ctr.");
  }
  const lease = await processLease();
  const name = engineNameOf(socket);
  const dataRoot = join(CRI_DATA, name);
  const target: ImportTarget = { client, ctr, socket, lease: lease.id };
  const config = await runtimeConfig(client);
  // A runtime of shmlab's own is configured with shmlab's sandbox image; a real node keeps its own (already pulled).
  const sandboxImage = config.sandboxImage ?? SANDBOX_IMAGE;
  if (sandboxImage === SANDBOX_IMAGE) await ensurePauseImage(target);

  const variants = [...new Set(['lab', ...(setup.variants ?? [])])];
  const sources = await imageSources(setup.say, lease, {
    signal: setup.signal ?? processSignal(),
    user: setup.userPrograms,
    adds: variants.map((v) => setup.images[v]?.adds),
  });
  const tags = Object.fromEntries(variants.map((v) => [v, `localhost/${variantTag(v, sources, setup.images)}`]));
  lease.claimImages(Object.values(tags));
  const images: Record<string, string> = {};
  for (const variant of variants) {
    // The context is the image's root file system: what one variant adds (PostgreSQL) is in its own only.
    const context = layOutContext(sources, lease, extraOf(variant, sources, setup.images));
    try {
      const imported = await importImage(target, {
        context,
        cmd: setup.images[variant]!.cmd,
        labels: { [IMAGE_LABEL]: variant },
        name: tags[variant]!,
        env: [PATH_ENV],
      });
      if (imported.imported) setup.say(`imported image ${tags[variant]} into the runtime`);
      images[variant] = imported.id;
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  }
  lease.claimImages(Object.values(images));

  const driver = new CriDriver(client, {
    name,
    dataRoot,
    sandboxImage,
    execTimeoutSeconds: Math.ceil(deadlineMs / 1000),
    claims: lease,
    network: daemonNetwork(socket),
    runtimeRestart: runtimeRestart(socket, endpoint),
  });
  const description = await driver.describe();
  const environment = criEnvironment(endpoint, description, config);
  // The OCI runtime under the handler, with its version where its binary is on this machine (a local socket).
  const binary = /^Runtime handler: \S+ \([^,]+, ([^)]+)\)/m.exec(description.lines.join('\n'))?.[1];
  if (binary) {
    const version = endpoint.startsWith('unix://') ? await runtimeVersion(binary) : undefined;
    environment.ociRuntime = { name: basename(binary), ...(version ? { version } : {}) };
    if (version) environment.runtime = `${environment.runtime} ${version}`;
  }
  const session = new LabSession(driver, lease);
  const helperLabels = session.labels({ [LABEL_HELPER]: 'true' });
  let helpers = 0;
  const hostIpc: HostIpc = async (script) => {
    const started = await driver.run({
      name: `shmlab-${session.runId}-host-ipc-${++helpers}`,
      logicalName: 'host-ipc',
      spec: { ipc: 'host' },
      image: images.lab!,
      labels: helperLabels,
      containerHandle: () => {
        throw new Error('the host-IPC helper joins no other container');
      },
      volumeName: (v) => v,
      onCreated: () => {},
    });
    try {
      const out = await driver.exec(started.handle, ['/bin/sh', '-c', script]);
      if (out.exitCode !== 0) throw new Error(`helper in the host's IPC namespace failed (exit ${out.exitCode}): ${out.stderr.trim()}`);
      return out.stdout;
    } finally {
      await driver.remove(started.handle);
    }
  };
  return {
    kind: 'cri',
    driver,
    address: endpoint,
    environment,
    lease,
    session,
    images,
    tags,
    helperLabels,
    hostIpc,
    // The lease's claim, written before the segment can exist, is the trace a killed run leaves here.
    markHostKey: async () => {},
    removeHostKeys: async (keys) => {
      await releaseHostKeys(hostIpc, keys);
      for (const key of keys) lease.releaseHostKey(key);
    },
    removeStale: async () => [...(await removeStalePods(driver, client, socket)), ...(await removeStaleLocal(hostIpc, [], endpoint))],
    inventory: async () => {
      const pods = await client.listPodSandbox();
      const ours = pods.filter((p) => LABEL in p.labels && p.labels[LABEL_HELPER] === undefined);
      const containers = await client.listContainers();
      const { cgroupRoot, emptyDirs, podLogs } = driver.layout;
      const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
      return {
        pods: ours.map((p) => p.labels[POD_LABEL] ?? p.metadata.name),
        containers: containers.filter((c) => LABEL in c.labels).map((c) => c.metadata.name),
        'emptyDir folders': list(emptyDirs),
        'log folders': list(podLogs),
        'cgroup folders': [...cgroupChildren(cgroupRoot).keys()].filter((f) => f.startsWith('pod')).map((f) => `${cgroupRoot}/${f}`),
        'tmpfs mounts': mountsUnder(emptyDirs),
      };
    },
    removeCachedImages: async () => {
      const listed = await client.listImages();
      const inUse = claimedImages(lease.id);
      const ours = listed.filter((i) => i.repo_tags.some((t) => /^(localhost\/)?shmlab\/(?!pause:)/.test(t)));
      const removable = ours.filter((i) => !inUse.has(i.id) && !i.repo_tags.some((t) => inUse.has(t)));
      for (const image of removable) await client.removeImage(image.id);
      return { removed: removable.length, kept: ours.length - removable.length };
    },
    close: async () => {
      // The folder of all pods of this runtime goes once empty, unless another live run is about to put a pod in it
      // (runc makes it again, but not if it goes between its two mkdirs).
      if (!liveClaims().some((c) => c.lease !== lease.id && c.pods?.some((p) => p.runtime === endpoint))) driver.removeCgroupRoot();
      client.close();
    },
  };
}

function socketOf(endpoint: string): string {
  const match = /^unix:\/\/(\/.+)$/.exec(endpoint.trim());
  if (!match)
    throw new EngineUnavailableError(
      `CONTAINER_RUNTIME_ENDPOINT must be a unix socket address such as unix:///run/containerd/containerd.sock, got ${JSON.stringify(endpoint)}.`,
    );
  return match[1]!;
}

/**
 * Where the pods' network is: the NODE network namespace of a pod is the runtime daemon's. For a daemon of shmlab's own
 * (its pid file beside its socket), said from the daemon's namespace itself; for a node's runtime, the node's.
 */
function daemonNetwork(socket: string): string | undefined {
  const pidFile = join(dirname(socket), 'containerd.pid');
  try {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // A pid file can outlive its daemon: only a containerd's namespace is its.
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'containerd') throw new Error('not a containerd');
    const theirs = readlinkSync(`/proc/${pid}/ns/net`);
    if (theirs === readlinkSync('/proc/self/ns/net')) return "the host's";
    const interfaces = readFileSync(`/proc/${pid}/net/dev`, 'utf8')
      .split('\n')
      .slice(2)
      .map((l) => l.split(':')[0]!.trim())
      .filter(Boolean);
    const which = interfaces.join() === 'lo' ? 'loopback only' : `interfaces ${interfaces.join(', ')}`;
    return `its own, not the host's, with ${which} (shmlab started the daemon there)`;
  } catch {
    // Not a daemon of shmlab's: the node's, whatever it holds.
    return undefined;
  }
}

/** A short name for the runtime, from its socket's folder (containerd-1.6 for shmlab's own, containerd for a node's). */
// Only a containerd shmlab started is restarted by it: a node's own belongs to the node's service manager.
function runtimeRestart(socket: string, endpoint: string): CriDriverOptions['runtimeRestart'] {
  const own = ownContainerd(socket);
  if (!own) return { whyNot: `shmlab restarts only a containerd it started itself, and the one at ${endpoint} was started outside shmlab` };
  const layout = containerdLayout(own.name);
  return {
    run: () => restartContainerd(own.name),
    command: `kill -TERM "$(cat ${layout.pidFile})" && containerd --config ${layout.config}`,
  };
}

function engineNameOf(socket: string): string {
  return basename(dirname(socket)).replace(/[^A-Za-z0-9._-]/g, '_') || 'cri';
}

function criEnvironment(address: string, d: Awaited<ReturnType<CriDriver['describe']>>, config: RuntimeConfig): EngineEnvironment {
  // In shmlab's fleet image the node's file is mounted there; without it the node's system is not known.
  const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  const os = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(osRelease)?.[1] ?? 'unknown (no /etc/os-release)';
  return {
    kind: 'cri',
    runtimeName: d.runtimeName,
    address,
    serverVersion: d.runtimeVersion,
    apiVersion: `CRI ${d.runtimeApiVersion}`,
    operatingSystem: os,
    kernel: release(),
    storageDriver: config.snapshotter ?? 'overlayfs',
    cgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1',
    runtime: d.runtimeHandler,
    harnessVersion: HARNESS_VERSION,
    date: new Date().toISOString(),
    // The runtime's name and version head the report already.
    details: d.lines.filter((line) => !line.startsWith('Runtime: ')),
  };
}
