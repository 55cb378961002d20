// `kill`: SIGKILL, no grace period.
import type { Action, StepOf } from './action.js';

export const kill: Action<StepOf<'kill'>> = {
  async perform({ state: s, describe, handle }) {
    describe();
    await s.ctx.driver.kill(handle());
    return {};
  },
};
