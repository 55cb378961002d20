// `start`: the stopped container runs again (Docker: the same container; CRI: a new one, attempt + 1, in its pod).
import type { Action, StepOf } from './action.js';

export const start: Action<StepOf<'start'>> = {
  creates: true,
  async perform({ step, state: s, describe, handle }) {
    describe();
    await s.ctx.driver.start(handle());
    s.starts.set(step.container, (s.starts.get(step.container) ?? 0) + 1);
    return {};
  },
};
