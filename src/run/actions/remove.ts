// `remove`: the container goes (on CRI, its pod with its last container).
import type { Action, StepOf } from './action.js';

export const remove: Action<StepOf<'remove'>> = {
  async perform({ step, state: s, describe, handle }) {
    const id = handle();
    describe();
    await s.ctx.driver.remove(id);
    s.resources.forget('containers', id);
    s.ids.delete(step.container);
    return {};
  },
};
