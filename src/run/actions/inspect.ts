// `inspect`: the container's state and settings as the engine reports them.
import type { Action, StepOf } from './action.js';

export const inspect: Action<StepOf<'inspect'>> = {
  async perform({ state: s, describe, handle }) {
    describe();
    const view = await s.ctx.driver.inspect(handle());
    return { stdout: `${view.lines.join('\n')}\n`, state: view.state };
  },
};
