// Runs never touch each other, and a run always ends: a clean from anywhere leaves a live run alone (another PID
// namespace, another engine on the same host), a second signal ends shmlab at once, a frozen engine meets a
// deadline, and the soak stops cleanly on a signal.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningDaemon, startDaemon } from '../src/docker/daemon-process.js';
import { LABEL, LABEL_HOST_KEY } from '../src/labels.js';
import { ROOT } from '../src/paths.js';
import { reportBaseName } from '../src/report/report-name.js';
import { engineDriver, engineLab, engineState, leftovers, NOTHING_LEFT } from './engine-state.js';
import { CLI, LONG, midRun, removeDaemonHome, reportDir, reportIn, shmlab, until } from './shmlab-process.js';
import { removeTempDirs } from './temp-dirs.js';

const homes: string[] = [];
async function extraEngine(name: string): Promise<RunningDaemon & { docker: Dockerode; home: string }> {
  const home = `/tmp/shmlab-${name}-${process.pid}`;
  homes.push(home);
  const daemon = await startDaemon({ home, command: ['dockerd'], kind: 'dockerd' }, () => {});
  return { ...daemon, home, docker: new Dockerode({ socketPath: daemon.address.slice('unix://'.length) }) };
}

afterAll(async () => {
  for (const home of homes) await removeDaemonHome(home);
  removeTempDirs();
});

const hostKeyVolumes = async (docker: Dockerode) => ((await docker.listVolumes({ filters: JSON.stringify({ label: [LABEL_HOST_KEY] }) })).Volumes ?? []).length;

/** shmlab's segments in the host's IPC namespace, with their permissions, read from the host itself. */
function shmlabSegments(): { key: number; perms: string }[] {
  return readFileSync('/proc/sysvipc/shm', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c.length > 3 && Number(c[0]) >>> 16 === 0x5d1a)
    .map((c) => ({ key: Number(c[0]), perms: c[2]! }));
}

describe('runs never touch each other', () => {
  it("a clean on another engine of this host, and one from outside the run's PID namespace, leave a live run alone", async () => {
    const { driver } = await engineDriver();
    const other = await extraEngine('other');
    // Images cached on the other engine first, so that its clean below is quick and lands mid-run.
    expect((await shmlab(['clean'], { DOCKER_HOST: other.address })).exitCode).toBe(0);
    const before = await engineState();
    const dir = reportDir();
    // Its own PID namespace, same hostname: its pid means nothing out here; only its lease can tell it lives.
    const run = shmlab(['run', '--only', 'ipc-host,ipc-shareable,kill-restart', '--report-dir', dir], {}, [
      'unshare',
      '--pid',
      '--fork',
      '--mount-proc',
      'node',
      CLI,
    ]);
    await until('a host key of the run', async () => (await hostKeyVolumes(driver.dockerode)) > 0 && shmlabSegments().length > 0, 60_000);
    expect(shmlabSegments().every((s) => s.perms === '600')).toBe(true);
    // The run is held still (a slow run, as far as anyone can tell) while both cleans do their work, so that they
    // certainly meet it mid-run: its containers up, its images in use, its key in the host's namespace.
    const runner = Number(readFileSync(`/proc/${run.pid}/task/${run.pid}/children`, 'utf8').trim().split(' ')[0]);
    process.kill(runner, 'SIGSTOP');
    let cleanOther: Awaited<ReturnType<typeof shmlab>> | undefined;
    let cleanHere: Awaited<ReturnType<typeof shmlab>> | undefined;
    try {
      cleanOther = await shmlab(['clean'], { DOCKER_HOST: other.address });
      cleanHere = await shmlab(['clean']);
      expect(await hostKeyVolumes(driver.dockerode)).toBeGreaterThan(0);
      expect(shmlabSegments().length).toBeGreaterThan(0);
    } finally {
      process.kill(runner, 'SIGCONT');
    }
    expect([cleanOther.exitCode, cleanHere.exitCode]).toEqual([0, 0]);
    expect(cleanHere.stdout).not.toMatch(/left by an earlier run/);
    expect(cleanHere.stdout).toMatch(/kept \d+ that a live run uses/);
    const result = await run;
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('shmlab: 3 as expected, 0 differ, 0 error(s)');
    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
  });
});

describe('a run always ends', () => {
  it('a second SIGINT ends shmlab at once, saying what may be left; clean then removes it', async () => {
    const { driver } = await engineDriver();
    const before = await engineState();
    const run = shmlab(['run', '--only', LONG, '--report-dir', reportDir()]);
    await until('containers and a host key of the run', () => midRun(driver.dockerode));
    run.kill('SIGINT');
    await until('the first signal is taken', () => run.all !== undefined);
    await new Promise((r) => setTimeout(r, 200));
    const second = Date.now();
    run.kill('SIGINT');
    const result = await run;
    expect(Date.now() - second).toBeLessThan(3000);
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toContain(
      'shmlab: SIGINT again: exiting now, without cleaning up; what this run created may be left behind, and "shmlab clean" (or the next run) removes it.',
    );
    const clean = await shmlab(['clean']);
    expect(clean.exitCode, clean.all).toBe(0);
    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
  });

  it('an engine frozen mid-run: steps meet their deadline as errors, the report is written, the run ends', async () => {
    const frozen = await extraEngine('frozen');
    const dir = reportDir();
    const run = shmlab(['run', '--only', LONG, '--report-dir', dir, '--timeout', '3'], { DOCKER_HOST: frozen.address });
    await until('containers and a host key of the run', () => midRun(frozen.docker), 90_000);
    process.kill(frozen.pid!, 'SIGSTOP');
    const stopped = Date.now();
    let result: Awaited<typeof run> | undefined;
    try {
      result = await run;
    } finally {
      process.kill(frozen.pid!, 'SIGCONT');
    }
    expect(Date.now() - stopped).toBeLessThan(60_000);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/error \(.*\): .*did not answer \(.+\) within 3 s/);
    expect(readFileSync(join(dir, reportIn(dir)), 'utf8')).toContain('⚠️ error');
    const clean = await shmlab(['clean'], { DOCKER_HOST: frozen.address });
    expect(clean.exitCode, clean.all).toBe(0);
    const filters = JSON.stringify({ label: [LABEL] });
    expect((await frozen.docker.listContainers({ all: true, filters })).length).toBe(0);
    expect(((await frozen.docker.listVolumes({ filters })).Volumes ?? []).length).toBe(0);
  });

  it('a report that cannot be written at the end: the results are still printed, one sentence says why, exit 1', async () => {
    const lab = await engineLab();
    const dir = reportDir();
    mkdirSync(join(dir, `${reportBaseName(lab.environment)}.md`));
    const r = await shmlab(['run', '--only', 'sysv-restart', '--report-dir', dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^\[1\/1\] sysv-restart: as expected/m);
    expect(r.stdout).toContain('shmlab: 1 as expected, 0 differ, 0 error(s)');
    expect(r.stderr).toBe(
      `shmlab: the report was not written: Cannot write ${join(dir, `${reportBaseName(lab.environment)}.md`)}: something other than a file is there (a folder).`,
    );
  });

  it('SIGINT to the soak stops it after the current steps, cleaned up, exit 130', async () => {
    const { driver } = await engineDriver();
    const before = await engineState();
    const soak = execa('node', [join(ROOT, 'dist/scripts/soak.js'), '--runs', '3'], { reject: false, all: true, timeout: 180_000 });
    await until('containers and a host key of the soak', () => midRun(driver.dockerode), 60_000);
    soak.kill('SIGINT');
    const result = await soak;
    expect(result.exitCode, result.all).toBe(130);
    expect(result.all).toMatch(/left behind: 0 containers, 0 volumes, 0 committed images, 0 host segments/);
    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
  });
});
