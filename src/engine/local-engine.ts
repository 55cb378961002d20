// The local default engine: Debian's docker.io, installed and started only when no engine is configured or running.

import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { EngineUnavailableError, SetupError } from '../errors.js';
import type { EngineAddress } from './engine-address.js';
import { probeEngine } from './engine-probe.js';
import { interruption } from './interruption.js';

export type Say = (line: string) => void;

export const DOCKERD_LOG = '/var/log/shmlab-dockerd.log';

// Only where shmlab may install things itself: as root, on Debian or a relative of it.
export function canProvision(): boolean {
  return process.getuid?.() === 0 && existsSync('/etc/debian_version');
}

export async function aptInstall(packages: string[], say: Say, signal?: AbortSignal): Promise<void> {
  say(`installing ${packages.join(', ')} with apt-get (once)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await execa('apt-get', ['update', '-qq'], { env, cancelSignal: signal });
    await execa('apt-get', ['install', '-y', '-qq', ...packages], { env, cancelSignal: signal });
  } catch (err) {
    if (signal?.aborted) throw interruption(signal, `while installing ${packages.join(', ')}`);
    throw err;
  }
}

// Installs and starts dockerd for the default socket; returns once it answers.
export async function provisionLocalEngine(address: EngineAddress, say: Say, signal?: AbortSignal): Promise<void> {
  if (!canProvision()) {
    throw new EngineUnavailableError(
      `No container engine answers at ${address.uri}: start Docker or Podman's Docker API service, or set DOCKER_HOST to one that runs, then try again.`,
    );
  }
  if (!(await hasCommand('dockerd'))) await aptInstall(['docker.io'], say, signal);
  say(`starting dockerd (log: ${DOCKERD_LOG})...`);
  mkdirSync('/var/log', { recursive: true });
  const log = openLog(DOCKERD_LOG);
  // No experiment needs a network: no bridge, no iptables rules on the host.
  const daemon = spawn('dockerd', ['--bridge', 'none', '--iptables=false', '--ip6tables=false'], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  daemon.unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    // The daemon started goes on (it is the machine's engine now); only the wait for it ends.
    if (signal?.aborted) throw interruption(signal, `while waiting for dockerd to answer at ${address.uri}`);
    if ((await probeEngine(address, 1000)).ok) {
      say(`dockerd answers at ${address.uri} (pid ${daemon.pid})`);
      return;
    }
    if (daemon.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new EngineUnavailableError(`dockerd did not come up at ${address.uri}; see ${DOCKERD_LOG}.`);
}

/** A daemon's log, appended to; never opened through a link someone planted there (shmlab runs as root). */
export function openLog(path: string): number {
  return openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o640);
}

export async function hasCommand(name: string): Promise<boolean> {
  const found = await execa('sh', ['-c', `command -v ${name}`], { reject: false });
  return found.exitCode === 0;
}

/** The temporary folder must be writable: image build contexts are made there. */
export function checkTempDir(): void {
  const dir = tmpdir();
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new SetupError(
      `The temporary folder ${dir} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): set TMPDIR to a writable folder.`,
    );
  }
}
