// Changing the host's IPC sysctls for one experiment, and putting them back on every path: in the experiment's
// cleanup, at the process's exit (a second signal included: the restore is synchronous), and, after a SIGKILL, by
// `clean` or the next run from the values the lease recorded before anything was changed. Only done where the
// engine's host IPC namespace is this process's own, so that shmlab itself can restore what it changed.

import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type HostIpc, HostIpcUnreachable } from './host-segments.js';
import { deadClaims, forgetHostSysctlClaims, holdLock, leaseFolder, type ProcessLease } from './process-lease.js';

const path = (key: string) => `/proc/sys/${key.replaceAll('.', '/')}`;

/** The host's current value of a sysctl, as sysctl(8) prints it (whitespace runs as one space). */
export function readHostSysctl(key: string): string {
  return readFileSync(path(key), 'utf8').trim().replace(/\s+/g, ' ');
}

function writeHostSysctl(key: string, value: string): void {
  writeFileSync(path(key), value);
}

/**
 * Whether the engine's host IPC namespace is this process's, and this process may write its sysctls: the same boot
 * (every machine's first IPC namespace has the same inode, so the inode alone would take a remote engine for this
 * host) and the same namespace.
 */
async function sameHostIpc(hostIpc: HostIpc): Promise<IpcAnswer> {
  try {
    accessSync('/proc/sys/kernel/shmmax', constants.W_OK);
  } catch {
    return { ours: false, seen: 'this process cannot write /proc/sys/kernel/shmmax' };
  }
  return hostIpcView(hostIpc);
}

/** Whether the helper is in this process's IPC namespace, and what it showed that says so. */
export interface IpcAnswer {
  ours: boolean;
  seen: string;
}

/**
 * sameHostIpc, asked once, when an experiment first needs to know. A probe that fails (the helper could not run) is an
 * error with the helper's words for whoever asks, never a "no": a "no" would pass for a fact about the engine.
 */
export function hostIpcProbe(hostIpc: HostIpc): () => Promise<IpcAnswer> {
  let answer: Promise<IpcAnswer> | undefined;
  return () =>
    (answer ??= sameHostIpc(hostIpc).catch((err: unknown) => {
      // The engine's own refusal of any container there is an answer, said as it is.
      if (err instanceof HostIpcUnreachable) throw err;
      const e = err as { json?: { message?: string }; message?: string };
      throw new Error(`could not tell whether the engine's host IPC namespace is this process's: ${(e.json?.message ?? e.message ?? String(err)).trim()}`);
    }));
}

/** Whether the engine's host IPC helper is in this very host's (boot id) and this process's IPC namespace. */
export async function reachesOurIpc(hostIpc: HostIpc): Promise<boolean> {
  return (await hostIpcView(hostIpc)).ours;
}

/**
 * What the helper shows of its boot id and IPC namespace, against this process's. A helper that runs but cannot show
 * them (gVisor's sandbox has no /proc/sys/kernel/random/boot_id) has answered: it is not in this host's namespace, and
 * what it printed says why. Only a helper that cannot run at all is a failure (thrown).
 */
async function hostIpcView(hostIpc: HostIpc): Promise<IpcAnswer> {
  const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  const mine = readlinkSync('/proc/self/ns/ipc');
  const said = await hostIpc('cat /proc/sys/kernel/random/boot_id 2>&1; ls -l /proc/self/ns/ipc 2>&1; exit 0');
  const theirs = said.match(/ipc:\[\d+\]/)?.[0];
  const seen = `its boot id ${said.includes(boot) ? 'is' : 'is not'} this host's, its IPC namespace ${theirs ?? 'unknown'}, this process's ${mine}${
    said.includes(boot) && theirs ? '' : ` (it printed: ${JSON.stringify(said.trim().split('\n')[0] ?? '')})`
  }`;
  return { ours: said.includes(boot) && theirs === mine, seen };
}

interface HostSysctlChange {
  /** key -> [before, after] */
  changed: Record<string, [string, string]>;
  /** Puts the originals back, once; returns what it put back (nothing the second time). */
  restore: () => Record<string, string> | undefined;
}

/**
 * Waits until no other shmlab process of this host has the host's sysctls changed (runs on several engines share the
 * host), records the originals in the lease, then writes the new values; `restore` puts the originals back, once,
 * and lets the next one in.
 */
export async function changeHostSysctls(values: Record<string, string>, lease: ProcessLease): Promise<HostSysctlChange> {
  // The host's lock whatever folder the lease keeps its records in (a test's own): the sysctls are the host's.
  const lock = await hostSysctlLock();
  // A run killed while it had them changed left the host so: put that back first, or it would pass for the original.
  try {
    restoreAfterKilledRuns(lease.folder);
  } catch (err) {
    lock.kill('SIGTERM');
    throw err;
  }
  const originals = Object.fromEntries(Object.keys(values).map((key) => [key, readHostSysctl(key)]));
  lease.claimHostSysctls(originals);
  let restored = false;
  const restore = (): Record<string, string> | undefined => {
    if (restored) return undefined;
    restored = true;
    try {
      restoreHostSysctls(originals);
      lease.releaseHostSysctls(Object.keys(originals));
      return originals;
    } finally {
      process.off('exit', restore);
      lock.kill('SIGTERM');
    }
  };
  process.on('exit', restore);
  const changed: Record<string, [string, string]> = {};
  try {
    for (const [key, value] of Object.entries(values)) {
      writeHostSysctl(key, value);
      changed[key] = [originals[key]!, readHostSysctl(key)];
    }
  } catch (err) {
    restore();
    throw err;
  }
  return { changed, restore };
}

function restoreHostSysctls(originals: Record<string, string>): void {
  for (const [key, value] of Object.entries(originals)) writeHostSysctl(key, value);
}

/** Puts back the host sysctls that killed shmlab processes had changed; returns what it restored. */
export function restoreAfterKilledRuns(folder?: string): Record<string, string>[] {
  const restored: Record<string, string>[] = [];
  for (const claims of deadClaims(folder)) {
    if (!claims.hostSysctls || Object.keys(claims.hostSysctls).length === 0) continue;
    restoreHostSysctls(claims.hostSysctls);
    forgetHostSysctlClaims(claims.lease, folder);
    restored.push(claims.hostSysctls);
  }
  return restored;
}

/** The host-wide lock under which host sysctls are changed and put back (beside the host's lease folder). */
export async function hostSysctlLock(): Promise<ChildProcess> {
  const folder = leaseFolder();
  mkdirSync(folder, { recursive: true });
  return holdLock(join(folder, '..', 'host-sysctls.lock'), true);
}

/** The same, for `clean` and the next run: under the lock, so that it never writes over a live run's change. */
export async function restoreAfterKilledRunsLocked(): Promise<Record<string, string>[]> {
  if (!deadClaims().some((c) => c.hostSysctls && Object.keys(c.hostSysctls).length)) return [];
  const lock = await hostSysctlLock();
  try {
    return restoreAfterKilledRuns();
  } finally {
    lock.kill('SIGTERM');
  }
}
