// The example user experiment (examples/exclusive-segment: a program of the user's, compiled by shmlab and put
// in the image) run by the command line against the engine, as a user would: its verdict in the JSON report, its
// section in the markdown, its test case in the JUnit XML, and nothing of it left on the engine or the host.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../src/paths.js';
import { readReport } from '../src/report/read-report.js';
import { engineState, leftovers, NOTHING_LEFT } from './engine-state.js';
import { CLI, reportDir, shmlab } from './shmlab-process.js';
import { removeTempDirs } from './temp-dirs.js';

describe('a user experiment from examples/', () => {
  afterAll(removeTempDirs);

  it('runs exclusive-segment with its own program: as expected, reported like a built-in one, nothing left behind', async () => {
    const before = await engineState();
    const dir = reportDir();
    const junit = join(dir, 'junit.xml');
    const r = await shmlab(
      ['run', '--experiments', join(ROOT, 'examples/exclusive-segment'), '--only', 'exclusive-segment', '--report-dir', dir, '--junit', junit],
      {},
      ['node', CLI],
    );
    expect(r.exitCode, r.all).toBe(0);

    const json = readdirSync(dir).find((f) => f.endsWith('.json'))!;
    const run = readReport(join(dir, json)); // checked against the schema
    expect(run.experiments.map((e) => [e.slug, e.verdict])).toEqual([['exclusive-segment', 'as expected']]);
    const [result] = run.experiments;
    expect(result!.observed).toBe(
      run.environment.kind === 'cri' ? 'kept after the restart; the exclusive create failed (EEXIST)' : 'gone after the restart; created again',
    );
    const check = result!.steps.find((s) => s.id === 'check-before')!;
    expect(check.stdout).toBe('segment 5432001 is there: exclusive-segment: written at its first start\n');

    const md = readFileSync(join(dir, json.replace(/\.json$/, '.md')), 'utf8');
    expect(md).toContain('**A program that creates its System V segment exclusively, started again after a restart of its container**');
    expect(readFileSync(junit, 'utf8')).toMatch(/<testcase name="exclusive-segment" classname="shmlab\.[^"]+" time="\d+\.\d{3}">\n\s+<system-out>observed: /);

    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
  });
});
