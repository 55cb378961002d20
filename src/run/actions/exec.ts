// `exec`: run a program in the running container; `{hostKey}` in its arguments becomes this run's own host key.
import { LABEL_EXPERIMENT } from '../../labels.js';
import type { Action, StepOf } from './action.js';
import type { ExperimentState } from './experiment-state.js';

export const exec: Action<StepOf<'exec'>> = {
  async perform({ step, state: s, describe, handle }) {
    const cmd = await hostKeyArgs(step.cmd, s);
    describe(cmd);
    const out = await s.ctx.driver.exec(handle(), cmd);
    return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr };
  },
};

/** The arguments with `{hostKey}` replaced by this run's own host key (claimed at its first use). */
export async function hostKeyArgs(cmd: readonly string[], s: ExperimentState): Promise<string[]> {
  const key = cmd.some((arg) => arg.includes('{hostKey}')) ? await hostKey(s) : undefined;
  return cmd.map((arg) => arg.replaceAll('{hostKey}', String(key)));
}

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
