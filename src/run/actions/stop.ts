// `stop`: the container's processes end (SIGTERM, then SIGKILL after the engine's grace period).
import type { Action, StepOf } from './action.js';

export const stop: Action<StepOf<'stop'>> = {
  async perform({ state: s, describe, handle }) {
    describe();
    await s.ctx.driver.stop(handle());
    return {};
  },
};
