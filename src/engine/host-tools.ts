// Tools of the host shmlab runs on, for every engine family: installing Debian packages, finding commands, daemon
// logs, the temporary folder.
import { accessSync, constants, existsSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { SetupError } from '../errors.js';
import { interruption } from './interruption.js';

export type Say = (line: string) => void;

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

/** Sends a signal to a process that may have ended meanwhile. */
export function signalIfAlive(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone meanwhile
  }
}
