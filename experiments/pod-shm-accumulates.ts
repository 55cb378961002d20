import type { Experiment, Step, StepRecord } from '../src/model/experiment.js';
import { EXIT, failure, ran, sentences, succeeded, unobserved } from '../src/model/experiment-kit.js';
import { labelled } from './brief-kit.js';

// 20 MB a start: three fit into a 64 MiB /dev/shm (67,108,864 bytes), the fourth does not.
const EACH = String(20 * 1000 * 1000);
// A new name at every start, as programs that name their segments at random do; nothing removes it when killed.
const CREATE = ['sh', '-c', `fill --path /dev/shm/seg.$RANDOM$RANDOM --size ${EACH}`];
const starts = [1, 2, 3, 4];

const createStep = (n: number): Step => ({
  id: `create-${n}`,
  do: 'exec',
  container: 'app',
  cmd: CREATE,
  why: n === 1 ? 'at start: a new, randomly named 20 MB object in /dev/shm' : `start ${n}: another one`,
});

/** How a creation went: created, ENOSPC, or what else. */
function created(record: StepRecord | undefined): string {
  return unobserved(record) ?? (succeeded(record) ? 'created' : (record!.stderr.match(/ENOSPC/)?.[0] ?? `exit ${record!.exitCode}`));
}

/** How many objects /dev/shm held at the end, from `ls -1`. */
function count(record: StepRecord | undefined): string {
  return unobserved(record) ?? String(record!.stdout.split('\n').filter((l) => l.startsWith('seg.')).length);
}

export const podShmAccumulates: Experiment = {
  slug: 'pod-shm-accumulates',
  title: 'A program killed without removing its /dev/shm objects, restarted again and again: do they pile up?',
  section: 'C',
  source: 'Kubernetes users: a pod restarted a few times fails with "No space left on device" in /dev/shm although each run needs little',
  blogSaw: 'not tried (no pods then)',
  expectedToday:
    "in a pod, each restart's 20 MB object stays in the pod's 64 MiB `/dev/shm`: the fourth start's write fails part-way (ENOSPC) and its partial object stays, so `/dev/shm` holds four; on Docker every restart starts from an empty `/dev/shm`",
  explanation:
    "A program that names its shared memory objects afresh at each start and is killed before it removes them leaves them in `/dev/shm`. In a pod, `/dev/shm` is the sandbox's tmpfs and outlives every restart of the container (a new container, attempt + 1, in the same sandbox), so what each killed run left adds up until a start finds no room. Nothing cleans it but the program itself or a new pod. On Docker a restart gives the container a new `/dev/shm`, so nothing piles up.",
  containers: { app: {} },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    ...starts.flatMap((n): Step[] => [
      ...(n > 1
        ? [
            { id: `kill-${n - 1}`, do: 'kill', container: 'app', why: 'killed: nothing removes its object' } as Step,
            { id: `start-${n}`, do: 'start', container: 'app' } as Step,
          ]
        : []),
      createStep(n),
    ]),
    { id: 'list', do: 'exec', container: 'app', cmd: ['ls', '-1', '/dev/shm'], why: 'what /dev/shm holds now' },
  ],
  expect: [
    { step: 'create-1', means: 'the first start creates its object', exitCode: EXIT.ok },
    { step: 'create-2', means: 'so does the second', exitCode: EXIT.ok },
    { step: 'create-3', means: 'and the third', exitCode: EXIT.ok },
    { step: 'create-4', means: 'the fourth finds no room: the three before it are still there', exitCode: EXIT.size, stderr: /ENOSPC/ },
    { step: 'list', means: "the three killed runs' objects are there, beside the fourth's partial one", stdout: /^(seg\.\d+\n){4}$/ },
  ],
  expectOn: {
    'docker-api': {
      why: "On Docker a restart gives the container a new /dev/shm (its IPC namespace and tmpfs are the container's, made at each start): nothing is expected to pile up.",
      expect: [
        { step: 'create-4', means: 'the fourth start creates its object too: /dev/shm was empty again', exitCode: EXIT.ok },
        { step: 'list', means: "only the last start's object is there", stdout: /^seg\.\d+\n$/ },
      ],
    },
  },
  observe: (steps) => `starts 1–4: ${starts.map((n) => created(steps.get(`create-${n}`))).join(', ')}; /dev/shm holds ${count(steps.get('list'))}`,
  // The fourth start: ENOSPC where the killed runs' objects piled up; where it created its own, what /dev/shm held.
  brief: (steps) => {
    const fourth = created(steps.get('create-4'));
    if (fourth !== 'created') return fourth;
    const n = count(steps.get('list'));
    return n === '1' ? 'no pile-up' : labelled('holds', n);
  },
  whenDiffers: (steps) => {
    const fourth = steps.get('create-4');
    const n = count(steps.get('list'));
    return sentences(
      ran(fourth) &&
        succeeded(fourth) &&
        `The fourth start created its object, and /dev/shm holds ${n}: the killed runs' objects did not stay (a restart here starts from an empty /dev/shm).`,
      failure(fourth) &&
        `The fourth start could not create its object (${failure(fourth)}), and /dev/shm holds ${n}: what each killed run left stayed and filled it.`,
      starts.slice(0, 3).some((k) => ran(steps.get(`create-${k}`)) && !succeeded(steps.get(`create-${k}`))) &&
        `An earlier start could not create its object: ${starts.map((k) => created(steps.get(`create-${k}`))).join(', ')}.`,
    );
  },
};
