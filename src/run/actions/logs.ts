// `logs`: what the container's program printed, every start of it.
import type { Action, StepOf } from './action.js';

export const logs: Action<StepOf<'logs'>> = {
  async perform({ state: s, describe, handle }) {
    describe();
    const out = await s.ctx.driver.logs(handle());
    return { stdout: out.stdout, stderr: out.stderr };
  },
};
