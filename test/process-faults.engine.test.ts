// A real shmlab process under faults: signals while containers are up, SIGKILL, two runs at once,
// an engine that never answers, and an engine that dies mid-run.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { startDaemon, stopDaemon } from '../src/docker/daemon-process.js';
import { engineDriver, engineState, leftovers, NOTHING_LEFT } from './engine-state.js';
import { LONG, midRun, reportIn as readdir, removeDaemonHome, reportDir, shmlab, until } from './shmlab-process.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

describe('interrupted runs', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('on %s with containers up: stops, cleans up everything, keeps the report, exits %i', async (signal, code) => {
    const { driver } = await engineDriver();
    const before = await engineState();
    const dir = reportDir();
    const run = shmlab(['run', '--only', LONG, '--report-dir', dir]);
    await until('containers and a host key of the run', () => midRun(driver.dockerode));
    run.kill(signal);
    const result = await run;
    expect(result.exitCode).toBe(code);
    expect(result.all).toContain(`shmlab: ${signal}: stopping after the current steps and cleaning up...`);
    expect(readdir(dir)).toMatch(/\.partial\.md$/);
    expect(readFileSync(join(dir, readdir(dir)), 'utf8')).toContain('**Incomplete run:** interrupted');
    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
  });

  it('after SIGKILL, leaves things behind that the next run finds by label and age and removes, saying so', async () => {
    const { driver } = await engineDriver();
    const before = await engineState();
    const run = shmlab(['run', '--only', LONG, '--report-dir', reportDir()]);
    await until('containers and a host key of the run', () => midRun(driver.dockerode));
    run.kill('SIGKILL');
    await run;
    const left = leftovers(before, await engineState());
    expect(left.containers?.length).toBeGreaterThan(0);

    const next = await shmlab(['run', '--only', 'sysv-restart', '--report-dir', reportDir()]);
    expect(next.exitCode).toBe(0);
    expect(next.stdout).toMatch(/shmlab: removed \d+ container\(s\) left by an earlier run that did not finish/);
    expect(next.stdout).toMatch(/shmlab: removed \d+ host SysV segment key\(s\) left by an earlier run: 0x5d1a/);
    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
  });
});

describe('two runs at once against the same engine', () => {
  it('do not collide, and both report correctly', async () => {
    const before = await engineState();
    const dirs = [reportDir(), reportDir()];
    const [a, b] = await Promise.all(dirs.map((dir) => shmlab(['run', '--only', 'sysv-restart,ipc-host,mmap-recreate,commit-image', '--report-dir', dir])));
    for (const r of [a!, b!]) {
      expect(r.exitCode, r.all).toBe(0);
      expect(r.stdout).toContain('shmlab: 4 as expected, 0 differ, 0 error(s)');
    }
    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
  });
});

describe('no usable engine', () => {
  it('a socket that accepts but never answers: says so within 5 s, exit 2', async () => {
    const socket = join(tempDir(), 'mute.sock');
    const server = createServer(() => {}).listen(socket);
    try {
      const started = Date.now();
      const r = await shmlab(['run'], { DOCKER_HOST: `unix://${socket}` });
      expect(Date.now() - started).toBeLessThan(5000);
      expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({
        exitCode: 2,
        stderr: `shmlab: The engine at DOCKER_HOST=unix://${socket} does not answer (no answer within 3000 ms): start it, or point DOCKER_HOST at one that runs.`,
      });
    } finally {
      server.close();
    }
  });
});

describe('engine lost mid-run', () => {
  const home = `/tmp/shmlab-lost-${process.pid}`;
  afterAll(async () => {
    await removeDaemonHome(home);
  });

  // The daemon is this test's own, on this host, so the host's segments can be read directly.
  const hostSegmentOfShmlab = () =>
    readFileSync('/proc/sysvipc/shm', 'utf8')
      .split('\n')
      .slice(1)
      .some((l) => /^\s*(\d+)/.test(l) && Number(l.trim().split(/\s+/)[0]) >>> 16 === 0x5d1a);

  it("marks the affected experiments as errors with the engine's words, keeps the report, exits non-zero", async () => {
    const daemon = await startDaemon({ home, command: ['dockerd'], kind: 'dockerd' }, () => {});
    const dir = reportDir();
    const run = shmlab(['run', '--only', LONG, '--report-dir', dir], { DOCKER_HOST: daemon.address });
    const docker = new Dockerode({ socketPath: daemon.address.slice('unix://'.length) });
    await until('containers and a host segment of the run', async () => (await midRun(docker)) && hostSegmentOfShmlab(), 60_000);
    await stopDaemon(home);
    const result = await run;
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^\[\d\/5\] [a-z-]+: error \(/m);
    expect(result.stdout).toMatch(/shmlab: \d as expected, \d differ, [1-5] error\(s\)/);
    const report = readFileSync(join(dir, readdir(dir)), 'utf8');
    expect(report).toContain('⚠️ error');
    expect(report).toMatch(/connect (ENOENT|ECONNREFUSED)/);
    expect(result.stdout).toMatch(/shmlab: cleanup problem: /);
    expect(result.stdout).toContain('once the engine answers again, "shmlab clean" (or the next run) removes them');
    expect(report).toContain('**Not cleaned up**');
  });

  it('once the engine is back, removes what the lost run could not, host segments included', async () => {
    const before = await engineState();
    const daemon = await startDaemon({ home, command: ['dockerd'], kind: 'dockerd' }, () => {});
    const clean = await shmlab(['clean'], { DOCKER_HOST: daemon.address });
    expect(clean.exitCode, clean.all).toBe(0);
    // What is left depends on how far the run got before its engine went (containers, volumes or both).
    expect(clean.stdout).toMatch(/removed \d+ (container|volume)\(s\) left by an earlier run/);
    expect(clean.stdout).toMatch(/removed 1 host SysV segment key\(s\) left by an earlier run: 0x5d1a/);
    const after = await engineState();
    const [was, is] = [before.hostSegments ?? [], after.hostSegments ?? []];
    expect(after.hostSegments, 'the host segments could be listed').toBeDefined();
    expect(is.filter((k) => !was.includes(k))).toEqual([]);
    expect(was.length - is.length).toBe(1);
  });
});

afterAll(removeTempDirs);
