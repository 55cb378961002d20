import type { Experiment, Operation, Step, StepExpectation, StepRecord, SurvivalCell } from '../src/model/experiment.js';
import {
  BLOG_KEY,
  callErrnoOf,
  dataOutcome,
  EXIT,
  errnoOf,
  failure,
  grouped,
  keptBy,
  listed,
  lostWith,
  ran,
  readOutcome,
  sentences,
  succeeded,
} from '../src/model/experiment-kit.js';
import { labelled, outcomeWord, together, unseen } from './brief-kit.js';
import { KUBELET_RESTART, RESTART_WHY } from './pod-kit.js';

// The rest of System V IPC and POSIX message queues: one object of each kind, with data in it. System V semaphore
// sets, message queues and segments have separate key spaces, so all use the blog's key; the POSIX queue has a name.
const SEMAPHORES = ['--key', BLOG_KEY];
const QUEUE = ['--key', BLOG_KEY];
const MQ = ['--name', '/shmlab'];

/** The value set in semaphore 0, and what sem-read prints for it. */
const SEM_VALUE = '7';
const SEM_READ = `value=${SEM_VALUE}\n`;
/** What msg-read and mq-read print for the message the writers send. */
const MESSAGE = 'message: shmlab\n';

/** The three kinds, the step-id prefix of their reads, and what a read prints when the object kept its data. */
const FAMILY = [
  { id: 'sem', name: 'semaphore set', kept: SEM_READ, gone: /semget: ENOENT/ },
  { id: 'msg', name: 'message queue', kept: MESSAGE, gone: /msgget: ENOENT/ },
  { id: 'mq', name: 'POSIX queue', kept: MESSAGE, gone: /mq_open: ENOENT/ },
] as const;

/** The survival table's cells for the three kinds, read by the `-after` steps. */
export function familySurvival(operation: Operation): SurvivalCell[] {
  return [
    { kind: 'sysv-sem', operation, step: 'sem-after', written: 'write-sem', kept: SEM_READ },
    { kind: 'sysv-msg', operation, step: 'msg-after', written: 'write-msg', kept: MESSAGE },
    { kind: 'posix-mq', operation, step: 'mq-after', written: 'write-mq', kept: MESSAGE },
  ];
}

/** Create each object and put data in it. */
export function writeFamily(container: string): Step[] {
  return [
    {
      id: 'write-sem',
      do: 'exec',
      container,
      cmd: ['sem-write', ...SEMAPHORES, '--value', SEM_VALUE],
      why: `a System V semaphore set, semaphore 0 set to ${SEM_VALUE}`,
    },
    { id: 'write-msg', do: 'exec', container, cmd: ['msg-write', ...QUEUE, '--text', 'shmlab'], why: 'a System V message queue holding one message' },
    { id: 'write-mq', do: 'exec', container, cmd: ['mq-write', ...MQ, '--text', 'shmlab'], why: 'a POSIX message queue (mq_open) holding one message' },
  ];
}

export const WRITES_SUCCEED: StepExpectation[] = [
  { step: 'write-sem', means: `the semaphore set is created and set to ${SEM_VALUE}`, exitCode: EXIT.ok },
  { step: 'write-msg', means: 'the message is queued', exitCode: EXIT.ok },
  { step: 'write-mq', means: 'the POSIX queue is created with its message', exitCode: EXIT.ok },
];

/** Read each object; the queues are read with --keep, so that a later read still finds the message. */
export function readFamily(container: string, suffix: string, why?: string): Step[] {
  return [
    { id: `sem-${suffix}`, do: 'exec', container, cmd: ['sem-read', ...SEMAPHORES], why },
    { id: `msg-${suffix}`, do: 'exec', container, cmd: ['msg-read', ...QUEUE, '--keep'], why: 'the message is read and left in the queue' },
    { id: `mq-${suffix}`, do: 'exec', container, cmd: ['mq-read', ...MQ, '--keep'], why: 'the message is read and sent back' },
  ];
}

export function familyKept(suffix: string, when: string): StepExpectation[] {
  return FAMILY.map((k) => ({ step: `${k.id}-${suffix}`, means: `the ${k.name} keeps its data ${when}`, exitCode: EXIT.ok, stdout: k.kept }));
}

function familyLost(suffix: string, when: string): StepExpectation[] {
  return FAMILY.map((k) => ({ step: `${k.id}-${suffix}`, means: `the ${k.name} is gone ${when}`, exitCode: EXIT.lookup, stderr: k.gone }));
}

/**
 * "all three kept" when the three agree, else the kinds grouped by outcome ("semaphore set, message queue kept; POSIX
 * queue write failed (ENOSYS)"): each kind's read, or its write's failure when there was nothing to keep.
 */
export function familyOutcome(steps: ReadonlyMap<string, StepRecord>, suffix: string): string {
  const outcomes = FAMILY.map((k) => dataOutcome(steps.get(`write-${k.id}`), steps.get(`${k.id}-${suffix}`), k.kept));
  return grouped(
    FAMILY.map((k) => k.name),
    outcomes,
    'all three',
  );
}

/**
 * The matrix's word for the three kinds: theirs where they agree (`kept`); else the kind whose write failed, with its
 * errno (`mq ENOSYS`: a runtime without that call), since then there was nothing to keep; else `2/3 kept`.
 */
export function familyBrief(steps: ReadonlyMap<string, StepRecord>, suffix: string): string {
  const words = FAMILY.map((k) => outcomeWord(dataOutcome(steps.get(`write-${k.id}`), steps.get(`${k.id}-${suffix}`), k.kept)));
  const failed = FAMILY.find((k) => failure(steps.get(`write-${k.id}`)));
  const all = together(words);
  if (!failed || words.every((w) => w === words[0]) || unseen(all)) return all;
  return labelled(failed.id, errnoOf(steps.get(`write-${failed.id}`)) ?? 'failed');
}

/** What the engine did with the three kinds, in sentences: the writes it failed, and what a user is left with. */
export function familyWhenDiffers(steps: ReadonlyMap<string, StepRecord>, suffix: string, operation: string): (string | false | undefined)[] {
  const failed = FAMILY.filter((k) => failure(steps.get(`write-${k.id}`)));
  const working = FAMILY.filter((k) => !failed.includes(k) && keptBy(steps.get(`write-${k.id}`), steps.get(`${k.id}-${suffix}`), k.kept));
  const unimplemented = failed.filter((k) => steps.get(`write-${k.id}`)!.stderr.includes('ENOSYS'));
  const lost = FAMILY.filter((k) => lostWith(steps.get(`write-${k.id}`), steps.get(`${k.id}-${suffix}`)));
  // Written, read, and neither kept nor gone: empty, changed, or a failed read.
  const otherwise = FAMILY.filter(
    (k) =>
      succeeded(steps.get(`write-${k.id}`)) &&
      ran(steps.get(`${k.id}-${suffix}`)) &&
      !lost.includes(k) &&
      readOutcome(steps.get(`${k.id}-${suffix}`), k.kept) !== 'kept',
  );
  const after = [
    lost.length > 0 &&
      `the ${listed(lost.map((k) => k.name))} ${lost.length > 1 ? 'were' : 'was'} gone (${lostWith(steps.get(`write-${lost[0]!.id}`), steps.get(`${lost[0]!.id}-${suffix}`))})`,
    ...otherwise.map((k) => `the ${k.name} read ${readOutcome(steps.get(`${k.id}-${suffix}`), k.kept)}`),
  ].filter(Boolean);
  return [
    unimplemented.length > 0 &&
      `${unimplemented.map((k) => `The ${k.name}'s writer failed with ENOSYS (Function not implemented)${callErrnoOf(steps.get(`write-${k.id}`)) ? ` from \`${callErrnoOf(steps.get(`write-${k.id}`))!.split(':')[0]}\`` : ''}`).join('; ')}: this runtime does not implement that call, so a program that uses ${listed(unimplemented.map((k) => (k.id === 'mq' ? 'POSIX message queues' : `System V ${k.name}s`)))} cannot run on it${working.length ? ` (the ${listed(working.map((k) => k.name))} worked)` : ''}.`,
    failed.length > unimplemented.length &&
      `The writer of the ${listed(failed.filter((k) => !unimplemented.includes(k)).map((k) => `${k.name} failed (${failure(steps.get(`write-${k.id}`))})`))}.`,
    after.length > 0 && `After ${operation} ${after.join('; ')}.`,
  ];
}

export const ipcFamilyRestart: Experiment = {
  slug: 'ipc-family-restart',
  title: 'System V semaphores and message queues, and POSIX message queues, across a stop and start',
  section: 'C',
  source: 'beyond the blog: the rest of System V IPC, and the POSIX queues of the same namespace',
  blogSaw: 'not tried (only System V shared memory)',
  expectedToday: 'all three are lost after the restart, like the segment (semget, msgget and mq_open: ENOENT)',
  explanation:
    "Semaphore sets and message queues belong to the IPC namespace exactly as segments do, and so do POSIX message queues: `mq_open` creates its queue in the mqueue file system of the caller's IPC namespace (the kernel's own mount of it, so no mount is needed; the engine also mounts that instance at `/dev/mqueue`, where the queue shows as a file). When the container's last process exits, its IPC namespace is destroyed with every object in it (ipc_namespaces(7), mq_overview(7)); `start` gives the container a new, empty namespace and a new `/dev/mqueue`. A semaphore's value and a queue's unread messages are lost with it: a program that used a semaphore as a lock, or left work in a queue, starts from nothing. The queues are read with `--keep`, so that reading does not consume the message the next read looks for.",
  containers: { app: {} },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    ...writeFamily('app'),
    {
      id: 'mqueue-file',
      do: 'exec',
      container: 'app',
      cmd: ['cat', '/dev/mqueue/shmlab'],
      why: "the POSIX queue as a file of the namespace's mqueue file system, mounted at /dev/mqueue",
    },
    ...readFamily('app', 'before', 'read back in the running container'),
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app', why: RESTART_WHY },
    ...readFamily('app', 'after', 'are they still there?'),
  ],
  expect: [
    ...WRITES_SUCCEED,
    { step: 'mqueue-file', means: 'the queue is a file of /dev/mqueue holding its 6 bytes', exitCode: EXIT.ok, stdout: /^QSIZE:6\s/ },
    ...familyKept('before', 'while the container runs'),
    ...familyLost('after', "after the restart: the container's IPC namespace was replaced"),
  ],
  expectOn: {
    cri: {
      why: `${KUBELET_RESTART}, and the pod sandbox, not the container, holds the IPC namespace (and with it its mqueue file system): semaphores, message queues and their messages outlive the container's processes.`,
      expect: familyKept('after', "after the restart: the pod's IPC namespace outlived the container"),
    },
  },
  observe: (steps) => `after restart: ${familyOutcome(steps, 'after')}`,
  brief: (steps) => familyBrief(steps, 'after'),
  whenDiffers: (steps) => {
    const notBefore = FAMILY.filter(
      (k) => succeeded(steps.get(`write-${k.id}`)) && ran(steps.get(`${k.id}-before`)) && readOutcome(steps.get(`${k.id}-before`), k.kept) !== 'kept',
    );
    const keptAfter = FAMILY.filter((k) => keptBy(steps.get(`write-${k.id}`), steps.get(`${k.id}-after`), k.kept));
    const file = steps.get('mqueue-file');
    const [general, other, lost] = familyWhenDiffers(steps, 'after', 'the restart');
    return sentences(
      general,
      other,
      notBefore.length > 0 &&
        `Even in the running container ${listed(notBefore.map((k) => `the ${k.name} read ${readOutcome(steps.get(`${k.id}-before`), k.kept)}`))}.`,
      succeeded(steps.get('write-mq')) &&
        failure(file) &&
        `The POSIX queue had no file in /dev/mqueue (${failure(file)}): this engine does not mount the namespace's mqueue file system there.`,
      keptAfter.length > 0 &&
        `The ${listed(keptAfter.map((k) => k.name))} kept ${keptAfter.length > 1 ? 'their' : 'its'} data across the restart: this engine's restart kept the container's IPC namespace, so a semaphore left locked or a message left unread is still there when the program starts again.`,
      lost,
    );
  },
  survival: familySurvival('restart'),
};
