// `pause` and `unpause`: the container's processes frozen and thawed, where the family can.
import type { Action, StepOf } from './action.js';
import { lacking } from './lacking.js';

type Freeze = StepOf<'pause' | 'unpause'>;

export const pause: Action<Freeze> = {
  async perform({ step, state: s, describe, handle }) {
    const { driver } = s.ctx;
    const operation = driver[step.do]?.bind(driver);
    if (!operation || driver.lacks?.('pause')) return lacking(step, s, 'pause');
    describe();
    await operation(handle());
    return {};
  },
};
