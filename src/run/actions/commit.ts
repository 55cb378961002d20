// `commit`: an image of the container, where the family can; removed with the run.
import { LABEL_EXPERIMENT } from '../../labels.js';
import type { Action, StepOf } from './action.js';
import { lacking } from './lacking.js';

export const commit: Action<StepOf<'commit'>> = {
  creates: true,
  async perform({ step, state: s, setCommand, handle }) {
    const { driver } = s.ctx;
    if (!driver.commit) return lacking(step, s, 'commit');
    const tag = `${s.ctx.session.runId}-${step.as}`;
    const repo = `shmlab-commit/${s.experiment.slug}`;
    setCommand(`${driver.commandFor('commit', handle())} ${repo}:${tag}`);
    const id = await driver.commit(handle(), repo, tag, s.ctx.session.labels({ [LABEL_EXPERIMENT]: s.experiment.slug }));
    s.resources.add('images', id);
    s.committed.set(step.as, { id, tag: `${repo}:${tag}` });
    return { stdout: `${repo}:${tag}\n` };
  },
};
