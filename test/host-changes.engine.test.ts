// The one experiment that touches the host: its kernel parameters are changed for a moment and put back exactly,
// on a normal run, on SIGINT, and after a SIGKILL by `clean` even when the engine does not answer; --no-host-changes
// leaves it out and says so.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reportDir, reportIn, shmlab, until } from './shmlab-process.js';
import { removeTempDirs } from './temp-dirs.js';

const KEYS = ['shmmax', 'sem', 'msgmni'];
const host = () => KEYS.map((k) => readFileSync(`/proc/sys/kernel/${k}`, 'utf8'));

afterAll(removeTempDirs);

describe('host-sysctl-not-inherited', () => {
  it("changes the host's values for the experiment and puts them back exactly; the report says so", async () => {
    const before = host();
    const dir = reportDir();
    const r = await shmlab(['run', '--only', 'host-sysctl-not-inherited', '--report-dir', dir]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain('host-sysctl-not-inherited: as expected');
    expect(host()).toEqual(before);
    expect(readFileSync(join(dir, reportIn(dir)), 'utf8')).toContain(
      "changed the host's kernel.shmmax, kernel.sem, kernel.msgmni for this experiment, and put them back at its end",
    );
  });

  it('puts them back when the run is interrupted while they are changed', async () => {
    const before = host();
    const run = shmlab(['run', '--only', 'host-sysctl-not-inherited', '--report-dir', reportDir()]);
    await until("the host's values changed", () => readFileSync('/proc/sys/kernel/msgmni', 'utf8').trim() === '1024', 60_000);
    run.kill('SIGINT');
    const result = await run;
    expect([0, 130]).toContain(result.exitCode);
    expect(host()).toEqual(before);
  });

  it('after SIGKILL, clean puts them back before it asks the engine: an engine that does not answer is exit 2, the host restored', async () => {
    const before = host();
    const run = shmlab(['run', '--only', 'host-sysctl-not-inherited', '--report-dir', reportDir()]);
    await until("the host's values changed", () => readFileSync('/proc/sys/kernel/msgmni', 'utf8').trim() === '1024', 60_000);
    run.kill('SIGKILL');
    await run;
    expect(host()).not.toEqual(before);
    const clean = await shmlab(['clean'], { DOCKER_HOST: 'unix:///tmp/none.sock' });
    expect(clean.exitCode, clean.all).toBe(2);
    expect(clean.stdout).toMatch(/^shmlab: restored the host's kernel\.shmmax=\d+, kernel\.sem=[\d ]+, kernel\.msgmni=\d+, which a killed run had changed$/m);
    expect(clean.stderr).toMatch(/^shmlab: The engine at DOCKER_HOST=unix:\/\/\/tmp\/none\.sock does not answer/);
    expect(host()).toEqual(before);
  });

  it('is left out with --no-host-changes, and the summary says so', async () => {
    const before = host();
    const r = await shmlab(['run', '--only', 'host-sysctl-not-inherited,sysv-restart', '--no-host-changes', '--report-dir', reportDir()]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/host-sysctl-not-inherited: not applicable \(\d+ ms\): left out: --no-host-changes/);
    expect(r.stdout).toContain('1 as expected, 0 differ, 0 error(s), 1 not applicable');
    expect(host()).toEqual(before);
  });
});
