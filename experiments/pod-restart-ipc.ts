import type { Experiment, Step, StepExpectation, StepRecord } from '../src/model/experiment.js';
import { ALPHABET, dataOutcome, EXIT, failure, grouped, keptBy, listed, lostWith, sentences } from '../src/model/experiment-kit.js';
import { labelled, outcomeWord, together } from './brief-kit.js';
import { MESSAGE, ONLY_IN_PODS, SEM_VALUE } from './pod-kit.js';

// One object of each kind of System V and POSIX IPC, under keys and names of this experiment's own pods.
const SEGMENT = ['--key', '5678'];
const SEMAPHORES = ['--key', '5679'];
const QUEUE = ['--key', '5680'];
const MQ = ['--name', '/shmlab-mq'];
const SHM = ['--name', '/shmlab'];

/** The kinds, as the step ids name them, and what each read prints when the object kept its data. */
const KINDS = ['segment', 'semaphore', 'message', 'mq', 'shm'] as const;
const KEEP = { segment: ALPHABET, semaphore: SEM_VALUE, message: MESSAGE, mq: MESSAGE, shm: ALPHABET };
const NAMES = { segment: 'System V segment', semaphore: 'semaphore set', message: 'message queue', mq: 'POSIX queue', shm: '/dev/shm object' };

/** Each kind's outcome at the reads with this suffix: its read, or its write's failure. */
function outcomes(steps: ReadonlyMap<string, StepRecord>, suffix: string): string[] {
  return KINDS.map((k) => dataOutcome(steps.get(`write-${k}`), steps.get(`${k}-${suffix}`), KEEP[k]));
}

const reads = (container: string, suffix: string, why?: string): Step[] => [
  { id: `segment-${suffix}`, do: 'exec', container, cmd: ['sysv-read', ...SEGMENT], why },
  { id: `semaphore-${suffix}`, do: 'exec', container, cmd: ['sem-read', ...SEMAPHORES] },
  { id: `message-${suffix}`, do: 'exec', container, cmd: ['msg-read', ...QUEUE, '--keep'], why: 'read without taking the message' },
  { id: `mq-${suffix}`, do: 'exec', container, cmd: ['mq-read', ...MQ, '--keep'] },
  { id: `shm-${suffix}`, do: 'exec', container, cmd: ['posix-read', ...SHM] },
];

const kept = (suffix: string, when: string): StepExpectation[] => [
  { step: `segment-${suffix}`, means: `the segment is there ${when}`, exitCode: EXIT.ok, stdout: ALPHABET },
  { step: `semaphore-${suffix}`, means: `the semaphore keeps its value ${when}`, exitCode: EXIT.ok, stdout: SEM_VALUE },
  { step: `message-${suffix}`, means: `the message waits in its queue ${when}`, exitCode: EXIT.ok, stdout: MESSAGE },
  { step: `mq-${suffix}`, means: `the POSIX queue keeps its message ${when}`, exitCode: EXIT.ok, stdout: MESSAGE },
  { step: `shm-${suffix}`, means: `the /dev/shm object is there ${when}`, exitCode: EXIT.ok, stdout: ALPHABET },
];

const lost = (suffix: string, when: string): StepExpectation[] => [
  { step: `segment-${suffix}`, means: `no segment ${when}`, exitCode: EXIT.lookup, stderr: /shmget: ENOENT/ },
  { step: `semaphore-${suffix}`, means: `no semaphore set ${when}`, exitCode: EXIT.lookup, stderr: /semget: ENOENT/ },
  { step: `message-${suffix}`, means: `no message queue ${when}`, exitCode: EXIT.lookup, stderr: /msgget: ENOENT/ },
  { step: `mq-${suffix}`, means: `no POSIX queue ${when}`, exitCode: EXIT.lookup, stderr: /mq_open: ENOENT/ },
  { step: `shm-${suffix}`, means: `no /dev/shm object ${when}`, exitCode: EXIT.lookup, stderr: /shm_open: ENOENT/ },
];

// The holder keeps the segment attached across the check, so that shm_rmid_forced cannot take it before the restart.
const HOLD = `sysv-write --key 5678 --hold 600 >/holder 2>&1 & for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do test -s /holder && break; sleep 0.1; done; sysv-stat --key 5678`;

export const podRestartIpc: Experiment = {
  ...ONLY_IN_PODS,
  slug: 'pod-restart-ipc',
  title: 'Every kind of IPC object across a container restart in a pod, in a sidecar, and in a new pod',
  source: 'Kubernetes users: what a pod keeps of its shared memory when one of its containers restarts',
  blogSaw: 'not tried (no pods then)',
  expectedToday:
    'a System V segment, semaphore set and message queue, a POSIX queue and a /dev/shm object all survive a restart of the container in the pod (attempt + 1) and are seen by a sidecar; a new pod has none of them; with `kernel.shm_rmid_forced=1` a segment is destroyed once the last process attached to it is gone, as at a Docker restart',
  explanation:
    "A pod's IPC namespace and its `/dev/shm` belong to the pod sandbox (the pause container). On a Kubernetes node a container's restart is a new container (attempt + 1) in that same sandbox (the kubelet's `computePodActions`, pkg/kubelet/kuberuntime/kuberuntime_manager.go; shmlab does the same in the kubelet's place), so the new container joins the same namespace, so every System V object, the POSIX queues of its mqueue file system and the files in its `/dev/shm` are still there, with their data. Every container of the pod shares them, so a sidecar sees them too. A new pod is a new sandbox, with new namespaces: none of it is there. This is the opposite of Docker, where a restart gives the container a new IPC namespace. A program that expects a clean slate at start meets its own leftovers. The sysctl `kernel.shm_rmid_forced=1` (on the kubelet's safe list, pkg/kubelet/sysctl/safe_sysctls.go, so allowed without `--allowed-unsafe-sysctls`) makes the kernel destroy a segment as soon as no process is attached to it: the restart ends the processes, so the segment goes, as it would at a Docker restart; semaphores and queues are not affected by it.",
  containers: {
    app: {},
    sidecar: { ipc: 'container:app' },
    forced: { sysctls: { 'kernel.shm_rmid_forced': '1' } },
  },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'write-segment', do: 'exec', container: 'app', cmd: ['sysv-write', ...SEGMENT] },
    { id: 'write-semaphore', do: 'exec', container: 'app', cmd: ['sem-write', ...SEMAPHORES, '--value', '42'] },
    { id: 'write-message', do: 'exec', container: 'app', cmd: ['msg-write', ...QUEUE, '--text', 'shmlab'] },
    { id: 'write-mq', do: 'exec', container: 'app', cmd: ['mq-write', ...MQ, '--text', 'shmlab'] },
    { id: 'write-shm', do: 'exec', container: 'app', cmd: ['posix-write', ...SHM] },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app', why: 'as the kubelet restarts a container: a new one (attempt + 1) in the same pod' },
    ...reads('app', 'after-restart'),
    { id: 'run-sidecar', do: 'run', container: 'sidecar', why: 'a second container of the same pod' },
    ...reads('sidecar', 'in-sidecar'),
    { id: 'remove-sidecar', do: 'remove', container: 'sidecar' },
    { id: 'remove', do: 'remove', container: 'app', why: 'the pod goes with its last container' },
    { id: 'run-new', do: 'run', container: 'app', why: 'a new pod' },
    ...reads('app', 'in-new-pod'),
    { id: 'run-forced', do: 'run', container: 'forced', why: 'a pod with kernel.shm_rmid_forced=1' },
    { id: 'hold', do: 'exec', container: 'forced', cmd: ['sh', '-c', HOLD], why: 'a process stays attached to the segment' },
    { id: 'stop-forced', do: 'stop', container: 'forced' },
    { id: 'start-forced', do: 'start', container: 'forced', why: 'the restart ends the attached process' },
    { id: 'segment-forced', do: 'exec', container: 'forced', cmd: ['sysv-read', ...SEGMENT] },
  ],
  expect: [
    { step: 'write-segment', means: 'the segment is created', exitCode: EXIT.ok },
    { step: 'write-semaphore', means: 'the semaphore set is created with value 42', exitCode: EXIT.ok },
    { step: 'write-message', means: 'a message is queued', exitCode: EXIT.ok },
    { step: 'write-mq', means: 'a POSIX queue is created with a message', exitCode: EXIT.ok },
    { step: 'write-shm', means: 'a /dev/shm object is created', exitCode: EXIT.ok },
    ...kept('after-restart', 'after the restart in the pod'),
    ...kept('in-sidecar', 'in a sidecar of the same pod'),
    ...lost('in-new-pod', 'in a new pod'),
    { step: 'hold', means: 'with kernel.shm_rmid_forced=1, an attached segment lives', exitCode: EXIT.ok, stdout: /nattch=1 / },
    { step: 'segment-forced', means: 'with kernel.shm_rmid_forced=1, the restart destroys it', exitCode: EXIT.lookup, stderr: /shmget: ENOENT/ },
  ],
  observe: (steps) => {
    const summary = (suffix: string) => grouped(KINDS, outcomes(steps, suffix), 'all');
    return `restart: ${summary('after-restart')}; sidecar: ${summary('in-sidecar')}; new pod: ${summary('in-new-pod')}; shm_rmid_forced=1: segment ${dataOutcome(steps.get('hold'), steps.get('segment-forced'))} at restart`;
  },
  // The objects after the restart in the pod, the row's question; where all were kept, a sidecar that did not see
  // them, or a new pod that did.
  brief: (steps) => {
    const at = (suffix: string) => outcomes(steps, suffix).map(outcomeWord);
    const restart = together(at('after-restart'));
    if (restart !== 'kept') return restart;
    const sidecar = at('in-sidecar').find((w) => w !== 'kept');
    if (sidecar) return labelled('sidecar', sidecar);
    return at('in-new-pod').includes('kept') ? 'new pod kept' : 'kept';
  },
  whenDiffers: (steps) => {
    const lostAt = (suffix: string) => listed(KINDS.filter((k) => lostWith(steps.get(`write-${k}`), steps.get(`${k}-${suffix}`))).map((k) => NAMES[k]));
    const keptAt = (suffix: string) => listed(KINDS.filter((k) => keptBy(steps.get(`write-${k}`), steps.get(`${k}-${suffix}`), KEEP[k])).map((k) => NAMES[k]));
    const failed = KINDS.filter((k) => failure(steps.get(`write-${k}`)));
    return sentences(
      failed.length > 0 && `The writers failed: ${failed.map((k) => `${k} (${failure(steps.get(`write-${k}`))})`).join(', ')}.`,
      lostAt('after-restart') &&
        `After the restart in the pod (a new container, attempt + 1) the ${lostAt('after-restart')} ${/,| and /.test(lostAt('after-restart')) ? 'were' : 'was'} gone: this runtime's restarted container did not keep the pod's IPC namespace and /dev/shm, so a restart loses them, as on Docker.`,
      lostAt('in-sidecar') &&
        `A sidecar of the same pod did not find the ${lostAt('in-sidecar')}: this runtime's pod containers do not share one IPC namespace and /dev/shm.`,
      keptAt('in-new-pod') && `A new pod found the ${keptAt('in-new-pod')}: this runtime's new pod did not get new namespaces.`,
      keptBy(steps.get('hold'), steps.get('segment-forced')) &&
        'With `kernel.shm_rmid_forced=1` the segment survived the restart that ended its last attached process: the pod sysctl did not take effect.',
    );
  },
  survival: [
    { kind: 'sysv-private', operation: 'restart', step: 'segment-after-restart', written: 'write-segment' },
    { kind: 'sysv-sem', operation: 'restart', step: 'semaphore-after-restart', written: 'write-semaphore', kept: SEM_VALUE },
    { kind: 'sysv-msg', operation: 'restart', step: 'message-after-restart', written: 'write-message', kept: MESSAGE },
    { kind: 'posix-mq', operation: 'restart', step: 'mq-after-restart', written: 'write-mq', kept: MESSAGE },
    { kind: 'posix-shm', operation: 'restart', step: 'shm-after-restart', written: 'write-shm' },
    { kind: 'sysv-private', operation: 'recreate', step: 'segment-in-new-pod', written: 'write-segment' },
    { kind: 'sysv-sem', operation: 'recreate', step: 'semaphore-in-new-pod', written: 'write-semaphore', kept: SEM_VALUE },
    { kind: 'sysv-msg', operation: 'recreate', step: 'message-in-new-pod', written: 'write-message', kept: MESSAGE },
    { kind: 'posix-mq', operation: 'recreate', step: 'mq-in-new-pod', written: 'write-mq', kept: MESSAGE },
    { kind: 'posix-shm', operation: 'recreate', step: 'shm-in-new-pod', written: 'write-shm' },
  ],
};
