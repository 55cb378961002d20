import type { Experiment } from '../src/model/experiment.js';
import { ran, sentences } from '../src/model/experiment-kit.js';
import { familyBrief, familyKept, familyOutcome, familySurvival, familyWhenDiffers, readFamily, WRITES_SUCCEED, writeFamily } from './ipc-family-restart.js';

export const ipcFamilyPause: Experiment = {
  slug: 'ipc-family-pause',
  title: 'System V semaphores and message queues, and POSIX message queues, across `docker pause` and `docker unpause`',
  section: 'C',
  source: 'beyond the blog: the rest of System V IPC, and the POSIX queues of the same namespace',
  blogSaw: 'not tried',
  expectedToday: 'all three are kept, with their data: pausing freezes the processes, it ends none of them',
  explanation:
    "`pause` freezes every process of the container in its cgroup (the freezer) and `unpause` thaws them; no process exits, so the IPC namespace stays, and with it the semaphore set and its value, the System V queue and its message, and the POSIX queue in the namespace's mqueue file system. A process frozen while it holds a semaphore still holds it after the thaw.",
  requires: ['pause'],
  containers: { app: {} },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    ...writeFamily('app'),
    { id: 'pause', do: 'pause', container: 'app' },
    { id: 'paused', do: 'inspect', container: 'app' },
    { id: 'unpause', do: 'unpause', container: 'app' },
    ...readFamily('app', 'after', 'after the thaw'),
  ],
  expect: [...WRITES_SUCCEED, { step: 'paused', means: 'the container is paused', state: 'paused' }, ...familyKept('after', 'across pause and unpause')],
  observe: (steps) => `after pause + unpause: ${familyOutcome(steps, 'after')}`,
  brief: (steps) => familyBrief(steps, 'after'),
  whenDiffers: (steps) => {
    const paused = steps.get('paused');
    const [general, other, lost] = familyWhenDiffers(steps, 'after', 'pause and unpause');
    return sentences(
      ran(paused) &&
        paused.state !== 'paused' &&
        `The container was not paused (its state: ${paused.state ?? 'unknown'}), so this run says nothing about pausing.`,
      general,
      other,
      lost && `${lost} On this engine pausing does not keep a container's IPC objects as they were.`,
    );
  },
  survival: familySurvival('pause'),
};
