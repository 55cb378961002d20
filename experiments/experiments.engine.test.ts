// Every experiment against the engine (DOCKER_HOST, else the default socket): one lab run, one test per experiment,
// named by its slug. `npx vitest run --project engine -t sysv-restart` runs that one experiment only (`-t` is a regular
// expression: '^ipc-host$' for ipc-host alone, since sysctl-ipc-host-refused contains it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Experiment } from '../src/model/experiment.js';
import { familyOf, lacking } from '../src/model/family.js';
import type { RunResult } from '../src/model/result.js';
import { writeReport } from '../src/report/write-report.js';
import { runLab } from '../src/run/lab-runner.js';
import { type EngineState, engineState, leftovers, NOTHING_LEFT } from '../test/engine-state.js';
import { removeTempDirs, tempDir } from '../test/temp-dirs.js';
import { CATALOG, EXPERIMENTS } from './index.js';

let run: RunResult;
let before: EngineState;

/**
 * The experiments whose tests are to run (vitest has already applied -t and .only to the file's tests when its
 * beforeAll starts): only those go to the engine. None of them (only the check for leftovers): every experiment.
 */
function chosen(file: { tasks: readonly { type: string; name: string; mode: string }[] }): Experiment[] {
  const names = new Set(file.tasks.filter((t) => t.type === 'test' && t.mode === 'run').map((t) => t.name));
  const picked = EXPERIMENTS.filter((e) => names.has(e.slug));
  return picked.length ? picked : [...EXPERIMENTS];
}

// biome-ignore lint/correctness/noEmptyPattern: vitest passes the file second and wants a destructuring pattern first.
beforeAll(async ({}, file) => {
  before = await engineState();
  const experiments = chosen(file);
  if (experiments.length < EXPERIMENTS.length) console.log(`shmlab: running ${experiments.map((e) => e.slug).join(', ')} (the tests chosen)`);
  run = await runLab(experiments, { say: (line) => console.log(`shmlab: ${line}`), images: CATALOG.images });
  // Tests never write into the tracked reports/: a folder of their own, unless SHMLAB_REPORT_DIR names one.
  const written = writeReport(run, CATALOG, process.env.SHMLAB_REPORT_DIR ?? tempDir('shmlab-reports-'));
  console.log(`shmlab: report: ${written.markdown}`);
});

// The test's name is the slug alone: what is expected today is in the failure's message.
for (const experiment of EXPERIMENTS) {
  it(experiment.slug, () => {
    const { slug } = experiment;
    const result = run.experiments.find((r) => r.slug === slug);
    expect(result, `${slug} did not run`).toBeDefined();
    // The verdict's reasons, not just its word, so a failure says what the engine did.
    // Not applicable where the family lacks what it requires, or where a rootless engine said its containers lack it.
    const engineLacks =
      run.environment.rootless && result!.verdict === 'not applicable' && /^(Docker|Podman)'s info (says CgroupDriver none|lists no)/.test(result!.observed);
    const expected = lacking(familyOf(run.environment.kind), experiment.requires) || engineLacks ? 'not applicable' : 'as expected';
    expect(
      { verdict: result!.verdict, error: result!.error, differences: result!.differences },
      `${slug} runs ${expected} today: ${experiment.expectedToday}; observed: ${result!.observed}`,
    ).toEqual({ verdict: expected, error: undefined, differences: [] });
  });
}

describe('after the run', () => {
  it('leaves no container, volume, committed image or host SysV segment behind', async () => {
    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
  });
});

afterAll(() => {
  removeTempDirs();
  if (run) console.log(`shmlab: ${run.experiments.length} experiments in ${(run.durationMs / 1000).toFixed(1)} s`);
});
