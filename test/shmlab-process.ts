// Helpers for tests that drive a real shmlab process: start it, wait for a moment of its run, read its report.

import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { execa, type ResultPromise } from 'execa';
import { stopDaemon } from '../src/docker/daemon-process.js';
import { LABEL, LABEL_HOST_KEY } from '../src/labels.js';
import { ROOT } from '../src/paths.js';
import { tempDir } from './temp-dirs.js';

export const CLI = join(ROOT, 'dist/src/cli.js');
/** Experiments that keep containers and a host key up for several seconds. */
export const LONG = 'ipc-host,ipc-shareable,mmap-recreate,kill-restart,commit-image';

export function shmlab(args: string[], env: Record<string, string> = {}, command: string[] = ['node', CLI]): ResultPromise<{ reject: false; all: true }> {
  // A signal a test sends is followed by a SIGKILL only if the process has not exited a minute later (execa's default
  // is 5 s, less than a loaded machine's cleanup after a signal takes).
  return execa(command[0]!, [...command.slice(1), ...args], {
    reject: false,
    all: true,
    env: { ...process.env, ...env },
    timeout: 180_000,
    forceKillAfterDelay: 60_000,
  });
}

export function reportDir(): string {
  return tempDir('shmlab-report-');
}

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** True once a run has containers up and holds a key in the host's IPC namespace. */
export async function midRun(docker: Dockerode): Promise<boolean> {
  const filters = JSON.stringify({ label: [LABEL] });
  const [containers, volumes] = await Promise.all([
    docker.listContainers({ filters }),
    docker.listVolumes({ filters: JSON.stringify({ label: [LABEL_HOST_KEY] }) }),
  ]);
  return containers.length >= 2 && (volumes.Volumes ?? []).length > 0;
}

/** The markdown report in a folder (full or partial). */
export function reportIn(dir: string): string {
  const md = readdirSync(dir).find((f) => f.endsWith('.md'));
  if (!md || !existsSync(join(dir, md))) throw new Error(`no report in ${dir}`);
  return md;
}

/** Stops a daemon a test started, unmounts what it may leave under its folder (netns file, a shim's rootfs), removes it. */
export async function removeDaemonHome(home: string): Promise<void> {
  await stopDaemon(home);
  // A shim of a container the stopped daemon ran outlives it: ended by its pid (its command line names the folder).
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue; // gone meanwhile
    }
    if (/containerd-shim/.test(cmdline) && cmdline.includes(`${home}/`)) process.kill(Number(pid), 'SIGKILL');
  }
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(home));
  for (const m of mounts.reverse()) await execa('umount', ['-l', m], { reject: false });
  rmSync(home, { recursive: true, force: true });
}
