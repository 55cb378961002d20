// Provisions containerd engines as shmlab's own daemons (Debian 12's, or sid's unpacked), each in its own network namespace.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { debianPackage } from '../engine/debian-package.js';
import { aptInstall, openLog } from '../engine/host-tools.js';
import { runtimeBinary } from '../engine/runtime-binary.js';
import { EngineUnavailableError } from '../errors.js';
import { writeFileAtomically } from '../fs/atomic-write.js';
import type { RuntimeEntry } from '../model/engine-entry.js';
import { type ContainerdLayout, containerdConfig, containerdLayout, podNetworkConfig } from './containerd-config.js';
import { CriClient } from './cri-client.js';
import { childrenOf, describeProcess, endProcesses, shimsOf } from './node-processes.js';
import { SANDBOX_IMAGE } from './pause-image.js';
import { mountsUnder } from './pod-host.js';

/** The system's runc: sid's runc needs a newer glibc than Debian 12's. */
const SYSTEM_RUNC = '/usr/sbin/runc';

/** A containerd engine to provision: its name (its home under /var/lib/shmlab), the Debian suite of its package, its runtime. */
export interface ContainerdEngine {
  name: string;
  from: string;
  /** runc (the system's) when absent. */
  runtime?: RuntimeEntry;
}

export interface RunningContainerd {
  address: string;
  pid?: number;
  /** False when it already answered: then it is not ours to stop. */
  startedHere: boolean;
  layout: ContainerdLayout;
  /** The binaries used (containerd, ctr), for the image import and the report. */
  bin: { containerd: string; ctr: string };
  /** What this host needed for the engine to run at all, for the report's environment. */
  workarounds?: string[];
}

/** How the daemon was started: what a restart starts again. */
interface Launch {
  containerd: string;
  path: string;
  /** Mounts hidden from the daemon, in a mount namespace of its own. */
  unmount: string[];
  /** A folder shmlab bind-mounted on itself and made shared, so that mounts made there on the host reach the daemon. */
  shared?: string;
}

/** The containerd and ctr of an engine: the system's (bookworm), or unpacked from the suite's `containerd` package. */
async function containerdBinaries(engine: ContainerdEngine, say: (line: string) => void): Promise<{ containerd: string; ctr: string; path: string }> {
  if (engine.from === 'bookworm') {
    if (!existsSync('/usr/bin/containerd')) await aptInstall(['containerd'], say);
    return { containerd: '/usr/bin/containerd', ctr: '/usr/bin/ctr', path: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
  }
  const bin = join(await debianPackage(engine.from, 'containerd', say), 'usr/bin');
  // Its own containerd-shim-runc-v2 comes first in PATH; runc stays the system's (BinaryName in the config).
  return { containerd: join(bin, 'containerd'), ctr: join(bin, 'ctr'), path: `${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` };
}

async function answers(address: string, timeoutMs: number): Promise<boolean> {
  const client = new CriClient(address);
  try {
    await client.version({ timeoutMs });
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/** Starts the engine (an engines.json entry) unless it already answers; returns once its CRI Version call answers. */
export async function provisionContainerd(engine: ContainerdEngine, say: (line: string) => void, timeoutMs = 60_000): Promise<RunningContainerd> {
  const layout = containerdLayout(engine.name);
  const bin = await containerdBinaries(engine, say);
  if (await answers(layout.address, 1000)) return { address: layout.address, startedHere: false, layout, bin };
  const { stdout } = await execa(bin.containerd, ['--version']);
  // 2.x reads only `version = 3` configs' section names; 1.x only `version = 2`.
  const major = Number(/\bv?(\d+)\.\d+\.\d+/.exec(stdout)?.[1] ?? '1');
  const crun = engine.runtime?.name === 'crun';
  const runtime = crun ? await runtimeBinary(engine.runtime!, say) : SYSTEM_RUNC;
  for (const dir of [layout.home, layout.root, layout.state, layout.runcRoot, layout.opt, layout.cniBin, layout.cniConf, layout.podLogs, layout.emptyDirs])
    mkdirSync(dir, { recursive: true });
  await podNetwork(layout, say);
  writeFileAtomically(layout.config, containerdConfig(layout, { configVersion: major >= 2 ? 3 : 2, sandboxImage: SANDBOX_IMAGE, runc: runtime }));
  const launch: Launch = { containerd: bin.containerd, path: bin.path, unmount: crun ? ['/sys/fs/cgroup/unified'] : [] };
  // This host's mounts are private: the emptyDir tmpfs mounts a run makes would not reach a daemon in a namespace of its own.
  if (crun) launch.shared = shareMounts(layout.runData);
  const pid = await startDaemon(layout, launch, timeoutMs);
  say(`started ${engine.name} (${stdout.trim()}) at ${layout.address} (pid ${pid}, log ${layout.log})`);
  const workarounds = crun
    ? [
        'containerd runs in a mount namespace of its own without `/sys/fs/cgroup/unified` (host mounts still reach it): crun refuses this host\'s hybrid cgroups otherwise ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2")',
      ]
    : [];
  return { address: layout.address, pid, startedHere: true, layout, bin, workarounds };
}

/**
 * The CNI configuration a pod with a network namespace of its own needs (a user-namespaced pod): Debian's bridge and
 * host-local plugins, a bridge inside the daemon's own network namespace with link-local addresses, no gateway and no
 * way out. Other pods use the node's network and never call CNI.
 */
async function podNetwork(layout: ContainerdLayout, say: (line: string) => void): Promise<void> {
  const plugins = '/usr/lib/cni';
  if (!existsSync(join(plugins, 'bridge'))) await aptInstall(['containernetworking-plugins'], say);
  for (const plugin of ['bridge', 'host-local', 'loopback']) {
    const link = join(layout.cniBin, plugin);
    rmSync(link, { force: true });
    symlinkSync(join(plugins, plugin), link);
  }
  writeFileAtomically(join(layout.cniConf, '10-shmlab.conflist'), podNetworkConfig(layout));
}

// Starts `containerd --config` of the layout in a network namespace of its own and waits for its CRI to answer; the
// pid file names it. A daemon that does not answer in time, or any failure after its spawn, does not outlive this.
async function startDaemon(layout: ContainerdLayout, launch: Launch, timeoutMs: number): Promise<number> {
  writeFileAtomically(layout.launchFile, `${JSON.stringify(launch)}\n`);
  const log = openLog(layout.log);
  // unshare execs sh, which execs containerd: the child's pid is containerd's. detached is setsid(2) in the child before
  // exec (no fork, unlike setsid(1)): the daemon outlives this process and a terminal's Ctrl-C. Mounts to hide need a
  // mount namespace of its own, a slave of the host's: the emptyDir mounts shmlab makes on the host still reach it.
  const mounts = launch.unmount.length ? ['-m', '--propagation', 'slave'] : [];
  const script = `${launch.unmount.length ? `umount ${launch.unmount.join(' ')} && ` : ''}ip link set lo up && exec ${JSON.stringify(launch.containerd)} --config ${JSON.stringify(layout.config)}`;
  const child = spawn('unshare', ['-n', ...mounts, 'sh', '-c', script], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, PATH: launch.path },
  });
  child.unref();
  if (child.pid === undefined) throw new EngineUnavailableError(`could not start ${launch.containerd}.`);
  const pid = child.pid;
  try {
    writeFileAtomically(layout.pidFile, String(pid));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await answers(layout.address, 1000)) return pid;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    if (child.exitCode === null) process.kill(pid, 'SIGKILL');
    throw err;
  }
  const tail = existsSync(layout.log) ? readFileSync(layout.log, 'utf8').trim().split('\n').slice(-3).join('\n') : '';
  if (child.exitCode === null) process.kill(pid, 'SIGKILL');
  throw new EngineUnavailableError(`${layout.name} did not answer at ${layout.address}; its log ${layout.log} ends with:\n${tail}`);
}

/** The containerd shmlab started whose socket is `socket`, if there is one and it still runs: its name and pid. */
export function ownContainerd(socket: string): { name: string; pid: number } | undefined {
  const name = basename(dirname(socket));
  const layout = containerdLayout(name);
  if (layout.socket !== socket || !existsSync(layout.pidFile)) return undefined;
  const pid = Number(readFileSync(layout.pidFile, 'utf8'));
  return Number.isInteger(pid) && pid > 1 && isContainerd(pid) ? { name, pid } : undefined;
}

/**
 * Restarts a containerd shmlab started, as a node's service manager does after an upgrade or a crash: SIGTERM (SIGKILL
 * after `graceMs`), then the same binary and config again. Its pods are left as they are: their shims and pause
 * processes do not belong to the daemon. Says what it did, with both pids.
 */
export async function restartContainerd(name: string, graceMs = 30_000, timeoutMs = 60_000): Promise<string> {
  const layout = containerdLayout(name);
  const pid = Number(readFileSync(layout.pidFile, 'utf8'));
  if (!isContainerd(pid)) throw new Error(`${name}'s pid file names no running containerd (pid ${pid})`);
  const launch = JSON.parse(readFileSync(layout.launchFile, 'utf8')) as Launch;
  await endDaemon(pid, graceMs);
  const started = await startDaemon(layout, launch, timeoutMs);
  return `containerd (pid ${pid}) stopped with SIGTERM and started again with the same config (pid ${started})`;
}

/**
 * Stops the containerd shmlab started for `name` (SIGTERM, SIGKILL after `graceMs`); false when none of ours ran. Its
 * pods go first: a shim outlives its daemon, and with it its pod's processes, cgroups and mounts. A shim still there
 * once the daemon is gone serves nobody, and is ended by its pid (its command line names the daemon's socket), with
 * the processes it still has; `say` is told of each.
 */
export async function stopContainerd(name: string, graceMs = 30_000, say: (line: string) => void = () => {}): Promise<boolean> {
  const layout = containerdLayout(name);
  if (!existsSync(layout.pidFile)) return false;
  const pid = Number(readFileSync(layout.pidFile, 'utf8'));
  // A pid file outlives a reboot: signal the pid only if it is still a containerd.
  if (!Number.isInteger(pid) || pid <= 1 || !isContainerd(pid)) {
    rmSync(layout.pidFile, { force: true });
    return false;
  }
  await removeAllPods(layout.address, say);
  await endDaemon(pid, graceMs);
  rmSync(layout.pidFile, { force: true });
  const launch = existsSync(layout.launchFile) ? (JSON.parse(readFileSync(layout.launchFile, 'utf8')) as Launch) : undefined;
  if (launch?.shared && isMountPoint(launch.shared)) spawnSync('umount', ['-l', launch.shared]);
  const shims = shimsOf(layout.socket);
  if (shims.length) {
    const named = shims.map((s) => describeProcess(s.pid));
    const left = await endProcesses(shims.flatMap((s) => [...childrenOf(s.pid), s.pid]));
    say(`ended ${shims.length} shim(s) that outlived ${name}: ${named.join(', ')}${left.length ? `; still alive: ${left.join(', ')}` : ''}`);
  }
  return true;
}

// Every pod of the daemon (all are shmlab's: the daemon is), as a kubelet draining its node would: a pod it cannot
// remove is said, and its shim is ended after the daemon.
async function removeAllPods(address: string, say: (line: string) => void): Promise<void> {
  const client = new CriClient(address, 30_000);
  try {
    for (const pod of await client.listPodSandbox()) {
      try {
        await client.stopPodSandbox(pod.id);
        await client.removePodSandbox(pod.id);
      } catch (err) {
        say(`could not remove pod ${pod.metadata.name} before stopping the daemon: ${(err as Error).message}`);
      }
    }
  } catch (err) {
    say(`could not list the pods before stopping the daemon: ${(err as Error).message}`);
  } finally {
    client.close();
  }
  // Their shims exit once their tasks are deleted, a moment later.
  const socket = address.slice('unix://'.length);
  for (const deadline = Date.now() + 5000; shimsOf(socket).length && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
}

/** SIGTERM, SIGKILL after `graceMs`; returns once the daemon is gone. */
async function endDaemon(pid: number, graceMs: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
}

/** Binds `folder` on itself, shared (once): mounts made under it later on the host propagate to namespaces made after. */
function shareMounts(folder: string): string {
  mkdirSync(folder, { recursive: true });
  if (!isMountPoint(folder)) {
    const bound = spawnSync('mount', ['--bind', folder, folder], { encoding: 'utf8' });
    if (bound.status !== 0) throw new EngineUnavailableError(`cannot bind ${folder} on itself: ${bound.stderr.trim()}`);
  }
  const shared = spawnSync('mount', ['--make-shared', folder], { encoding: 'utf8' });
  if (shared.status !== 0) throw new EngineUnavailableError(`cannot make ${folder} a shared mount: ${shared.stderr.trim()}`);
  return folder;
}

const isMountPoint = (folder: string) => mountsUnder(folder).includes(folder);

function isContainerd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'containerd';
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie (exited, not yet reaped by us, its parent) is gone for our purpose.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
