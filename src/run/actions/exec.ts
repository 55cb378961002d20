// `exec`: run a program in the running container; `{hostKey}` in its arguments becomes this run's own host key.
import { LABEL_EXPERIMENT } from '../../labels.js';
import type { Action, StepOf } from './action.js';
import type { ExperimentState } from './experiment-state.js';

export const exec: Action<StepOf<'exec'>> = {
  async perform({ step, state: s, describe, handle }) {
    const key = step.cmd.some((arg) => arg.includes('{hostKey}')) ? await hostKey(s) : undefined;
    const cmd = step.cmd.map((arg) => arg.replaceAll('{hostKey}', String(key)));
    describe(cmd);
    const out = await s.ctx.driver.exec(handle(), cmd);
    return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr };
  },
};

// Claimed in the lease and marked before the segment can exist, so that a killed run's key is found.
async function hostKey(s: ExperimentState): Promise<number> {
  if (s.hostKey === undefined) {
    const key = s.ctx.session.allocateHostKey();
    await s.ctx.markHostKey(key, s.ctx.session.labels({ [LABEL_EXPERIMENT]: s.experiment.slug }));
    s.hostKey = key;
    s.resources.add('hostKeys', key);
    s.grant("a helper container in the host's IPC namespace removes this key's segment afterwards");
  }
  return s.hostKey;
}
