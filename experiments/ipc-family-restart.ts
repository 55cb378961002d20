import { BLOG_KEY, EXIT, errnoOf } from '../src/model/experiment-kit.js';
import type { Experiment, Operation, Step, StepExpectation, StepRecord, SurvivalCell } from '../src/model/experiment.js';

// The rest of System V IPC and POSIX message queues: one object of each kind, with data in it. System V semaphore
// sets, message queues and segments have separate key spaces, so all use the blog's key; the POSIX queue has a name.
const SEMAPHORES = ['--key', BLOG_KEY];
const QUEUE = ['--key', BLOG_KEY];
const MQ = ['--name', '/shmlab'];

/** The value set in semaphore 0, and what sem-read prints for it. */
export const SEM_VALUE = '7';
export const SEM_READ = `value=${SEM_VALUE}\n`;
/** What msg-read and mq-read print for the message the writers send. */
export const MESSAGE = 'message: shmlab\n';

/** The three kinds, the step-id prefix of their reads, and what a read prints when the object kept its data. */
export const FAMILY = [
  { id: 'sem', name: 'semaphore set', kept: SEM_READ, gone: /semget: ENOENT/ },
  { id: 'msg', name: 'message queue', kept: MESSAGE, gone: /msgget: ENOENT/ },
  { id: 'mq', name: 'POSIX queue', kept: MESSAGE, gone: /mq_open: ENOENT/ },
] as const;

/** The survival table's cells for the three kinds, read by the `-after` steps. */
export function familySurvival(operation: Operation): SurvivalCell[] {
  return [
    { kind: 'sysv-sem', operation, step: 'sem-after', kept: SEM_READ },
    { kind: 'sysv-msg', operation, step: 'msg-after', kept: MESSAGE },
    { kind: 'posix-mq', operation, step: 'mq-after', kept: MESSAGE },
  ];
}

/** Create each object and put data in it. */
export function writeFamily(container: string): Step[] {
  return [
    { id: 'write-sem', do: 'exec', container, cmd: ['sem-write', ...SEMAPHORES, '--value', SEM_VALUE], why: `a System V semaphore set, semaphore 0 set to ${SEM_VALUE}` },
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

export function familyLost(suffix: string, when: string): StepExpectation[] {
  return FAMILY.map((k) => ({ step: `${k.id}-${suffix}`, means: `the ${k.name} is gone ${when}`, exitCode: EXIT.lookup, stderr: k.gone }));
}

/** "kept", "lost (ENOENT)", "empty" or what else a read of one object saw; "not run" when the step did not run. */
export function objectOutcome(record: StepRecord | undefined, kept: string): string {
  if (!record) return 'not run';
  if (record.engineFailed) return 'engine error';
  if (record.exitCode === EXIT.ok && record.stdout === kept) return 'kept';
  if (record.exitCode === EXIT.lookup) return `lost (${errnoOf(record) ?? 'not found'})`;
  if (record.exitCode === EXIT.empty) return 'empty (no message)';
  if (record.exitCode === EXIT.ok) return `changed (read "${record.stdout.trim()}")`;
  return `read failed (exit ${record.exitCode}${errnoOf(record) ? `, ${errnoOf(record)}` : ''})`;
}

/** "all kept" when the three agree, else each kind's outcome. */
export function familyOutcome(steps: ReadonlyMap<string, StepRecord>, suffix: string): string {
  const outcomes = FAMILY.map((k) => objectOutcome(steps.get(`${k.id}-${suffix}`), k.kept));
  if (outcomes.every((o) => o === outcomes[0])) return `all three ${outcomes[0]}`;
  return FAMILY.map((k, i) => `${k.name} ${outcomes[i]}`).join(', ');
}

export const ipcFamilyRestart: Experiment = {
  slug: 'ipc-family-restart',
  title: 'System V semaphores and message queues, and POSIX message queues, across a stop and start',
  section: 'C',
  source: 'beyond the blog: the rest of System V IPC, and the POSIX queues of the same namespace',
  blogSaw: 'not tried (only System V shared memory)',
  expectedToday:
    'all three are lost after the restart, like the segment (semget, msgget and mq_open: ENOENT); on a Kubernetes node all three are kept, in the pod\'s IPC namespace',
  explanation:
    "Semaphore sets and message queues belong to the IPC namespace exactly as segments do, and so do POSIX message queues: `mq_open` creates its queue in the mqueue file system of the caller's IPC namespace (the kernel's own mount of it, so no mount is needed; the engine also mounts that instance at `/dev/mqueue`, where the queue shows as a file). When the container's last process exits, its IPC namespace is destroyed with every object in it (ipc_namespaces(7), mq_overview(7)); `start` gives the container a new, empty namespace and a new `/dev/mqueue`. A semaphore's value and a queue's unread messages are lost with it: a program that used a semaphore as a lock, or left work in a queue, starts from nothing. The queues are read with `--keep`, so that reading does not consume the message the next read looks for.",
  containers: { app: {} },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    ...writeFamily('app'),
    { id: 'mqueue-file', do: 'exec', container: 'app', cmd: ['cat', '/dev/mqueue/shmlab'], why: "the POSIX queue as a file of the namespace's mqueue file system, mounted at /dev/mqueue" },
    ...readFamily('app', 'before', 'read back in the running container'),
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app', why: "a restart, not a re-creation (on CRI, the kubelet's: a new attempt in the same pod)" },
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
      why: "The kubelet restarts a container as a new container in the same pod, and the pod sandbox, not the container, holds the IPC namespace (and with it its mqueue file system): semaphores, message queues and their messages outlive the container's processes.",
      expect: familyKept('after', "after the restart: the pod's IPC namespace outlived the container"),
    },
  },
  observe: (steps) => `after restart: ${familyOutcome(steps, 'after')}`,
  survival: familySurvival('restart'),
};
