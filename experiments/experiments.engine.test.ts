// Every experiment against the engine (DOCKER_HOST, else the default socket): one lab run, one test per experiment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTHING_LEFT, engineState, leftovers, type EngineState } from '../test/engine-state.js';
import { removeTempDirs, tempDir } from '../test/temp-dirs.js';
import type { RunResult } from '../src/model/result.js';
import { runLab } from '../src/run/lab-runner.js';
import { writeReport } from '../src/report/write-report.js';
import { EXPERIMENTS } from './index.js';

let run: RunResult;
let before: EngineState;

beforeAll(async () => {
  before = await engineState();
  run = await runLab([...EXPERIMENTS], { say: (line) => console.log(`shmlab: ${line}`) });
  // Tests never write into the tracked reports/: a folder of their own, unless SHMLAB_REPORT_DIR names one.
  const written = writeReport(run, EXPERIMENTS, process.env.SHMLAB_REPORT_DIR ?? tempDir('shmlab-reports-'));
  console.log(`shmlab: report: ${written.markdown}`);
});

describe.each(EXPERIMENTS.map((e) => [e.slug, e] as const))('%s', (slug, experiment) => {
  it(`runs as expected today: ${experiment.expectedToday}`, () => {
    const result = run.experiments.find((r) => r.slug === slug);
    expect(result, `${slug} did not run`).toBeDefined();
    // The verdict's reasons, not just its word, so a failure says what the engine did.
    const expected = experiment.onlyOn && !experiment.onlyOn.includes(run.environment.kind) ? 'not applicable' : 'as expected';
    expect({ verdict: result!.verdict, error: result!.error, differences: result!.differences }).toEqual({ verdict: expected, error: undefined, differences: [] });
  });
});

describe('after the run', () => {
  it('leaves no container, volume, committed image or host SysV segment behind', async () => {
    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
  });
});

afterAll(() => {
  removeTempDirs();
  if (run) console.log(`shmlab: ${run.experiments.length} experiments in ${(run.durationMs / 1000).toFixed(1)} s`);
});
