// The host's sysctls, changed for a moment, are put back exactly: at the end, at the process's exit (a second signal
// exits at once), and after a SIGKILL by whoever comes next. These change this host's values for a moment, as the
// experiment does. Other processes may change them meanwhile (a run, another test file): each holds the host-wide lock
// while they differ and puts them back before letting go, so the values compared here are read under that lock.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { hostSysctlNotInherited } from '../../experiments/host-sysctl-not-inherited.js';
import { removeTempDirs, tempDir } from '../../test/temp-dirs.js';
import type { LabDriver } from '../engine/lab-driver.js';
import { ROOT } from '../paths.js';
import { runExperiment } from '../run/experiment-runner.js';
import type { HostIpc } from './host-segments.js';
import { changeHostSysctls, hostIpcProbe, hostSysctlLock, type IpcAnswer, readHostSysctl, restoreAfterKilledRuns } from './host-sysctls.js';
import type { LabContext } from './lab-context.js';
import { LabSession } from './lab-session.js';
import { deadClaims, leaseFolder, liveClaims, ProcessLease } from './process-lease.js';

const KEYS = ['kernel.msgmni', 'kernel.sem'];
const NEW = { 'kernel.msgmni': '1031', 'kernel.sem': '251 32001 101 257' };
const now = () => KEYS.map(readHostSysctl);

/** The host's values at rest: read under the host-wide lock, once what killed processes left changed is put back. */
async function resting(): Promise<string[]> {
  const lock = await hostSysctlLock();
  try {
    restoreAfterKilledRuns();
    return now();
  } finally {
    lock.kill('SIGTERM');
  }
}

afterAll(removeTempDirs);

/** A process that changes the host's values, says so, then ends as `end` says. */
function changer(folder: string, end: string) {
  const script = `
    const { ProcessLease } = await import(${JSON.stringify(join(ROOT, 'dist/src/lab/process-lease.js'))});
    const { changeHostSysctls } = await import(${JSON.stringify(join(ROOT, 'dist/src/lab/host-sysctls.js'))});
    const lease = new ProcessLease(${JSON.stringify(folder)});
    await lease.acquire();
    await changeHostSysctls(${JSON.stringify(NEW)}, lease);
    console.log('changed');
    ${end}`;
  return execa('node', ['--input-type=module', '-e', script], { reject: false });
}

describe("the host's sysctls", () => {
  it('are changed, then put back exactly', async () => {
    const before = await resting();
    const lease = new ProcessLease(join(tempDir('shmlab-runtime-'), 'leases'));
    await lease.acquire();
    const change = await changeHostSysctls(NEW, lease);
    expect(now()).toEqual(['1031', '251 32001 101 257']);
    expect(change.changed['kernel.msgmni']).toEqual([before[0], '1031']);
    change.restore();
    expect(await resting()).toEqual(before);
    lease.release();
  });

  it('are put back at the exit of a process that exits at once (a second signal)', async () => {
    const before = await resting();
    const folder = join(tempDir('shmlab-runtime-'), 'leases');
    const child = changer(folder, 'process.exit(130);');
    const result = await child;
    expect({ out: result.stdout, code: result.exitCode }).toEqual({ out: 'changed', code: 130 });
    // Put back by the process itself: nothing is left for whoever comes next.
    expect(deadClaims(folder).filter((c) => c.hostSysctls && Object.keys(c.hostSysctls).length)).toEqual([]);
    expect(await resting()).toEqual(before);
  });

  it('are put back after a SIGKILL, by whoever comes next, from what the lease recorded first', async () => {
    const before = await resting();
    // The host's lease folder, as a run's: whoever takes the lock next (a run, another test, this one) puts them back.
    const folder = leaseFolder();
    const child = changer(folder, 'setInterval(() => {}, 1000);');
    await new Promise<void>((resolve) => child.stdout!.on('data', () => resolve()));
    const claims = () => [...liveClaims(folder), ...deadClaims(folder)].find((c) => c.pid === child.pid);
    // Recorded before anything changed, while the process still holds the lock: the values to put back.
    const lease = claims();
    expect(lease?.hostSysctls).toEqual(Object.fromEntries(KEYS.map((k, i) => [k, before[i]])));
    child.kill('SIGKILL');
    await child;
    try {
      expect(await resting()).toEqual(before);
      expect(claims()?.hostSysctls).toBeUndefined();
    } finally {
      // The dead lease's files, the host's folder being no test's own (nothing else of it is left to clean).
      for (const ext of ['claims', 'lease']) rmSync(join(folder, `${lease!.lease}.${ext}`), { force: true });
    }
  });
});

describe("whether the engine's host IPC namespace is this process's", () => {
  const HELPER = "helper in the host's IPC namespace failed (exit 127): sh: /bin/cat: not found";
  const failing: HostIpc = async () => {
    throw new Error(HELPER);
  };

  /** The experiment that changes the host, run with `probe` as the answer to that question (it stops at its first step). */
  async function runWith(probe: () => Promise<IpcAnswer>) {
    const lease = new ProcessLease(join(tempDir('shmlab-runtime-'), 'leases'));
    await lease.acquire();
    const driver = { kind: 'docker', privilege: { mode: 'not needed' }, commandFor: () => '' } as unknown as LabDriver;
    const ctx: LabContext = {
      driver,
      session: new LabSession(driver, lease),
      family: 'docker-api',
      images: {},
      imageTags: {},
      markHostKey: async () => {},
      removeHostKeys: async () => {},
      leftovers: [],
      signal: new AbortController().signal,
      hostIpcIsOurs: probe,
    };
    try {
      return await runExperiment(hostSysctlNotInherited, ctx);
    } finally {
      lease.release();
    }
  }

  it('a probe that fails is an error with the helper\'s words, never a "no": the experiment is an error, the host untouched', async () => {
    const before = await resting();
    const probe = hostIpcProbe(failing);
    await expect(probe()).rejects.toThrow(`could not tell whether the engine's host IPC namespace is this process's: ${HELPER}`);
    const result = await runWith(probe);
    expect({ verdict: result.verdict, error: result.error }).toEqual({ verdict: 'error', error: expect.stringContaining(HELPER) });
    expect(result.steps[0]).toMatchObject({ id: 'change-host', engineFailed: true, stderr: expect.stringContaining(HELPER) });
    expect(await resting()).toEqual(before);
  });

  it('only a probe that answers "not ours" makes it not applicable', async () => {
    const elsewhere: HostIpc = async () => 'another-boot-id\nlrwxrwxrwx 1 root root 0 ipc -> ipc:[4026531839]\n';
    const result = await runWith(hostIpcProbe(elsewhere));
    expect(result.verdict).toBe('not applicable');
    expect(result.observed).toMatch(/host IPC namespace is not this process's \(its --ipc=host helper: its boot id is not this host's/);
  });

  it('a helper that runs but cannot show this host\'s boot id has answered "not ours", with what it printed (gVisor)', async () => {
    const sandbox: HostIpc = async () =>
      "cat: can't open '/proc/sys/kernel/random/boot_id': No such file or directory\nlrwxrwxrwx 1 root root 0 ipc -> ipc:[1]\n";
    const result = await runWith(hostIpcProbe(sandbox));
    expect(result.verdict).toBe('not applicable');
    expect(result.observed).toContain("it printed: \"cat: can't open '/proc/sys/kernel/random/boot_id': No such file or directory\"");
  });
});
