// `kill-sandbox` and `recreate-sandbox`: a pod's sandbox dies, and the kubelet's answer to it (pods only).
import type { Action, StepOf } from './action.js';
import { lacking } from './lacking.js';

type SandboxStep = StepOf<'kill-sandbox' | 'recreate-sandbox'>;

export const sandbox: Action<SandboxStep> = {
  creates: true,
  async perform({ step, state: s, describe, handle }) {
    const { driver } = s.ctx;
    const operation = (step.do === 'kill-sandbox' ? driver.killSandbox : driver.recreateSandbox)?.bind(driver);
    if (!operation) return lacking(step, s, 'pods');
    describe();
    return { stdout: `${await operation(handle())}\n` };
  },
};
