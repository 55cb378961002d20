// `restart-runtime`: the runtime daemon restarted while its pods run, where shmlab started it itself; a runtime started
// outside shmlab is not restarted (not applicable, with the driver's reason).
import type { Action, StepOf } from './action.js';
import { NotApplicableError } from './experiment-state.js';
import { lacking } from './lacking.js';

export const restartRuntime: Action<StepOf<'restart-runtime'>> = {
  creates: true,
  async perform({ step, state: s, describe }) {
    const { driver } = s.ctx;
    if (driver.noRuntimeRestart) throw new NotApplicableError(`${driver.noRuntimeRestart}, which step ${step.id} needs`);
    if (!driver.restartRuntime) return lacking(step, s, 'pods');
    describe();
    return { stdout: `${await driver.restartRuntime()}\n` };
  },
};
