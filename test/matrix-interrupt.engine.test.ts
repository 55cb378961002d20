// A matrix interrupted while its first engines run: those runs stop and keep partial reports, the engines still
// waiting for their turn are not run (and said so), and matrix.md is not replaced by a page of partial reports.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineDriver, engineState, leftovers, NOTHING_LEFT } from './engine-state.js';
import { LONG, midRun, reportDir, shmlab, until } from './shmlab-process.js';
import { removeTempDirs } from './temp-dirs.js';

// The engine the tests run against, under six names: five runs go at once, the sixth waits for a place.
const address = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];

describe('an interrupted matrix', () => {
  afterAll(removeTempDirs);

  it('stops the runs under way, runs no other, says which did not run, and leaves matrix.md unwritten', async () => {
    if (!address.startsWith('unix://')) throw new Error(`This test names the engine by a unix socket; DOCKER_HOST is ${address}.`);
    const { driver } = await engineDriver();
    const before = await engineState();
    const dir = reportDir();
    const matrix = shmlab(['matrix', ...NAMES.flatMap((n) => ['--engine', `${n}=${address}`]), '--only', LONG, '--report-dir', dir]);
    await until('containers and a host key of the matrix runs', () => midRun(driver.dockerode), 60_000);
    matrix.kill('SIGTERM');
    const result = await matrix;
    expect({ exitCode: result.exitCode, signal: result.signal, all: result.all }).toMatchObject({ exitCode: 143 });
    expect(result.all).toContain('shmlab: f: not run: the matrix was interrupted before its turn');
    expect(result.all).not.toMatch(/exit undefined/);
    // One line per engine that left no report, the reason included.
    for (const line of result.all.split('\n').filter((l) => /^shmlab: [a-e]: /.test(l)))
      expect(line).toMatch(/^shmlab: [a-e]: its run was interrupted before it wrote a report$/);
    expect(result.all).toContain(`shmlab: the matrix was interrupted, so ${join(dir, 'matrix.md')} is left as it was`);
    expect(existsSync(join(dir, 'matrix.md'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial.md')).length).toBeGreaterThan(0);
    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
  });
});
