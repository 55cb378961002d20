// `run`: create and start a container (its volumes first), named by the driver's command as soon as the driver knows
// it, so that a refused start shows what was asked.
import { LABEL_EXPERIMENT } from '../../labels.js';
import type { ContainerSpec } from '../../model/experiment.js';
import type { Action, StepOf } from './action.js';
import { type ExperimentState, NotApplicableError } from './experiment-state.js';

type RunStep = StepOf<'run'>;

export const run: Action<RunStep> = {
  creates: true,
  placeholder: (step, s) => `(start ${step.container} of ${s.experiment.slug})`,
  async perform({ step, state: s, setCommand }) {
    const { driver } = s.ctx;
    const spec = s.spec(step.container);
    // A limit the engine says it cannot apply here would be a limit not held, not an observation of one.
    const noLimit = spec.memoryLimitBytes !== undefined ? driver.lacks?.('memory-limit') : undefined;
    if (noLimit) throw new NotApplicableError(`${noLimit}, which container ${step.container} needs (a memory limit)`);
    const labels = s.ctx.session.labels({ [LABEL_EXPERIMENT]: s.experiment.slug });
    for (const { volume } of spec.volumes ?? []) {
      if (s.resources.volumes.has(s.volume(volume))) continue;
      await driver.createVolume(s.volume(volume), labels);
      s.resources.add('volumes', s.volume(volume));
    }
    // What was asked: granted below once started, or stated with the refusal should the engine refuse it.
    let asked: string[] = [];
    let started: Awaited<ReturnType<typeof driver.run>>;
    try {
      started = await driver.run({
        name: s.name(step.container),
        logicalName: step.container,
        spec,
        image: imageOf(spec, s),
        imageTag: tagOf(spec, s),
        labels,
        ...(step.skipAdmission ? { skipAdmission: true } : {}),
        containerHandle: (name) => s.id(name),
        volumeName: (name) => s.volume(name),
        onCommand: (command, grants) => {
          setCommand(command);
          asked = grants;
        },
        onCreated: (created) => {
          s.resources.add('containers', created);
          s.ids.set(step.container, created);
        },
      });
    } catch (err) {
      for (const g of asked) s.grant(g, step.container);
      throw err;
    }
    setCommand(started.command);
    for (const g of started.grants) s.grant(g, step.container);
    s.starts.set(step.container, 1);
    const refusal = started.refusal ? `(--privileged refused: ${started.refusal}; run again with the nearest equivalent)\n` : '';
    return { stdout: `${refusal}${(started.shown ?? started.handle).slice(0, 12)}\n` };
  },
};

// Containers are created from image ids: a name could be pulled from a registry, an id cannot.
function imageOf(spec: ContainerSpec, s: ExperimentState): string {
  const name = spec.image ?? 'lab';
  const id = name.startsWith('@') ? s.committed.get(name.slice(1))?.id : s.ctx.images[name];
  if (!id) throw new Error(`experiment ${s.experiment.slug}: image ${name} is not available`);
  return id;
}

/** The image as a person would name it in the transcript. */
function tagOf(spec: ContainerSpec, s: ExperimentState): string {
  const name = spec.image ?? 'lab';
  return (name.startsWith('@') ? s.committed.get(name.slice(1))?.tag : s.ctx.imageTags[name]) ?? name;
}
