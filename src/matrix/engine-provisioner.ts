// Provisions the matrix's engines on this machine: Debian packages, fetched and unpacked without touching the
// system's apt configuration, each daemon on its own socket and data root, in its own network namespace.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall, canProvision, hasCommand } from '../engine/local-engine.js';
import { startDaemon, stopDaemon, type RunningDaemon } from '../engine/daemon-process.js';
import { EngineUnavailableError } from '../errors.js';
import type { EngineEntry } from './engines-file.js';
import { debianPackage } from './debian-package.js';
import { provisionContainerd, stopContainerd } from '../cri/containerd-provisioner.js';

/** Where shmlab's own daemons live: short paths, since unix socket paths are limited. */
export const ENGINES_HOME = '/var/lib/shmlab';

export const homeOf = (entry: EngineEntry) => join(ENGINES_HOME, entry.name);

/** A running engine, and the environment that points a shmlab run at it. */
export type ProvisionedEngine = RunningDaemon & { env: Record<string, string> };

export async function provisionEngine(entry: EngineEntry, say: (line: string) => void): Promise<ProvisionedEngine> {
  const daemon = await startEngine(entry, say);
  if (entry.kind !== 'containerd') return { ...daemon, env: { DOCKER_HOST: daemon.address } };
  const env: Record<string, string> = { CONTAINER_RUNTIME_ENDPOINT: daemon.address };
  if (daemon.ctr) env.SHMLAB_CTR = daemon.ctr;
  return { ...daemon, env };
}

async function startEngine(entry: EngineEntry, say: (line: string) => void): Promise<RunningDaemon & { ctr?: string }> {
  if (entry.address) return { address: entry.address, startedHere: false };
  if (!canProvision()) throw new EngineUnavailableError(`Cannot provision ${entry.name} here: shmlab installs engines as root on Debian only; give it with --engine ${entry.name}=unix:///path instead.`);
  const home = homeOf(entry);
  if (entry.kind === 'containerd') {
    const running = await provisionContainerd(entry.name, say);
    return { address: running.address, pid: running.pid, startedHere: running.startedHere, ctr: running.bin.ctr };
  }
  if (entry.kind === 'podman') {
    if (!(await hasCommand('podman'))) await aptInstall(['podman'], say);
    mkdirSync(home, { recursive: true });
    // This machine cannot apply Podman's default ulimits; no systemd, so cgroupfs and a file event log.
    writeFileSync(join(home, 'containers.conf'), '[containers]\ndefault_ulimits = []\n\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n');
    return startDaemon(
      { home, kind: 'service', command: ['podman', 'system', 'service', '--time=0', `unix://${join(home, 'engine.sock')}`], env: { ...process.env, CONTAINERS_CONF: join(home, 'containers.conf') } },
      say,
    );
  }
  const dockerd = await dockerdFrom(entry.from ?? 'bookworm', say);
  // The unpacked package's own helpers (docker-init, docker-proxy) come first; containerd and runc are the system's.
  const path = [join(dockerd, '..'), join(dockerd, '../../bin'), process.env.PATH].join(':');
  return startDaemon({ home, kind: 'dockerd', command: [dockerd], env: { ...process.env, PATH: path } }, say);
}

export async function stopEngine(entry: EngineEntry): Promise<boolean> {
  if (entry.address) return false;
  return entry.kind === 'containerd' ? stopContainerd(entry.name) : stopDaemon(homeOf(entry));
}

/** The dockerd of a Debian suite: the system's for bookworm, else unpacked from that suite's docker.io. */
export async function dockerdFrom(suite: string, say: (line: string) => void): Promise<string> {
  if (suite === 'bookworm') {
    if (!(await hasCommand('dockerd'))) await aptInstall(['docker.io'], say);
    return '/usr/sbin/dockerd';
  }
  return join(await debianPackage(suite, 'docker.io', say), 'usr/sbin/dockerd');
}
