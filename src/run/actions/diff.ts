// `diff`: the engine's list of the container's changes (evidence: skipped where the family has none).
import type { Action, StepOf } from './action.js';
import { lacking } from './lacking.js';

export const diff: Action<StepOf<'diff'>> = {
  async perform({ step, state: s, describe, handle }) {
    const { driver } = s.ctx;
    if (!driver.diff) return lacking(step, s, 'diff');
    describe();
    return { stdout: (await driver.diff(handle())).map((line) => `${line}\n`).join('') };
  },
};
