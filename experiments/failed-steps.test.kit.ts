// Records of an engine that failed every step, for the tests that check what an experiment claims then.
import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { record } from '../test/records.js';

export const byId = (steps: readonly StepRecord[]) => new Map(steps.map((s) => [s.id, s]));

/** Every step's record as an engine that failed them all shows it. */
export const allFailed = (e: Experiment) =>
  byId(
    e.steps.map((s) =>
      record(s.id, {
        action: s.do,
        container: s.container,
        exitCode: null,
        stdout: '',
        stderr: 'Error response from daemon: container is not running',
        engineFailed: true,
      }),
    ),
  );
/** As the runner leaves it: the first step failed, and nothing after it ran. */
export const firstFailed = (e: Experiment) => new Map([...allFailed(e)].slice(0, 1));
