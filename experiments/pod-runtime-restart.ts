import type { Experiment } from '../src/model/experiment.js';
import {
  ALPHABET,
  dataOutcome,
  EXIT,
  grouped,
  listed,
  lostWith,
  numberIn,
  OLD_SHMMAX,
  SHMMAX,
  sentences,
  succeeded,
  valueRead,
} from '../src/model/experiment-kit.js';
import { labelled, outcomeWord, together } from './brief-kit.js';
import { MESSAGE, ONLY_IN_PODS } from './pod-kit.js';

const SEGMENT = ['--key', '5683'];
const MQ = ['--name', '/shmlab-mq'];
const SHM = ['--name', '/shmlab'];

const KINDS = ['segment', 'mq', 'shm'] as const;
const KEEP = { segment: ALPHABET, mq: MESSAGE, shm: ALPHABET };
const NAMES = { segment: 'System V segment', mq: 'POSIX queue', shm: '/dev/shm object' };

export const podRuntimeRestart: Experiment = {
  ...ONLY_IN_PODS,
  slug: 'pod-runtime-restart',
  alone: true,
  title: "The node's container runtime restarted while a pod runs: what the pod keeps",
  source: 'Kubernetes operators: upgrading or restarting containerd on a node with running pods',
  blogSaw: 'not tried (no pods then)',
  expectedToday:
    "containerd restarted while the pod's pause process lives: the sandbox stays ready, the container keeps running (attempt 0), and the System V segment, POSIX queue, `/dev/shm` object and pod sysctl are all still there, also after a restart of the container that follows",
  explanation:
    "A pod's namespaces, its `/dev/shm` and its processes do not belong to the runtime daemon but to the pod's sandbox, whose processes each run under a shim of their own. When containerd stops, the shims and the pause process go on; when it starts again, it finds its sandboxes and containers again from its own records and their shims (its CRI plugin's `recover`, run when it starts), so the sandbox is still ready and nothing of the pod's shared memory is lost. Only a sandbox whose pause process died meanwhile would be re-created by the kubelet (see `pod-sandbox-recreated`). shmlab restarts only a containerd it started itself: a node's own runtime belongs to the node's service manager.",
  containers: { app: { sysctls: { 'kernel.shmmax': OLD_SHMMAX } } },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'write-segment', do: 'exec', container: 'app', cmd: ['sysv-write', ...SEGMENT] },
    { id: 'write-mq', do: 'exec', container: 'app', cmd: ['mq-write', ...MQ, '--text', 'shmlab'] },
    { id: 'write-shm', do: 'exec', container: 'app', cmd: ['posix-write', ...SHM] },
    {
      id: 'restart-runtime',
      do: 'restart-runtime',
      container: 'app',
      why: "shmlab restarts containerd, as a node's service manager does; the pod is left as it is",
    },
    { id: 'inspect', do: 'inspect', container: 'app', why: "the runtime's view of the container and its pod after its restart" },
    { id: 'segment-after', do: 'exec', container: 'app', cmd: ['sysv-read', ...SEGMENT] },
    { id: 'mq-after', do: 'exec', container: 'app', cmd: ['mq-read', ...MQ, '--keep'] },
    { id: 'shm-after', do: 'exec', container: 'app', cmd: ['posix-read', ...SHM] },
    { id: 'sysctl-after', do: 'exec', container: 'app', cmd: ['cat', SHMMAX] },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app', why: 'then a restart of the container in the pod, by the restarted runtime' },
    { id: 'segment-after-start', do: 'exec', container: 'app', cmd: ['sysv-read', ...SEGMENT] },
  ],
  expect: [
    { step: 'write-segment', means: 'the segment is created', exitCode: EXIT.ok },
    { step: 'write-mq', means: 'a POSIX queue is created with a message', exitCode: EXIT.ok },
    { step: 'write-shm', means: 'a /dev/shm object is created', exitCode: EXIT.ok },
    {
      step: 'inspect',
      means: 'the container still runs, attempt 0, in a ready sandbox of attempt 0',
      stdout: /CONTAINER_RUNNING[^\n]*attempt 0\n[\s\S]*SANDBOX_READY, attempt 0\)/,
    },
    { step: 'segment-after', means: "the segment is there after the runtime's restart", exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'mq-after', means: 'so is the POSIX queue', exitCode: EXIT.ok, stdout: MESSAGE },
    { step: 'shm-after', means: 'and the /dev/shm object', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'sysctl-after', means: "and the pod's sysctl", stdout: `${OLD_SHMMAX}\n` },
    { step: 'segment-after-start', means: 'and the segment after a restart of the container that follows', exitCode: EXIT.ok, stdout: ALPHABET },
  ],
  observe: (steps) => {
    const outcomes = KINDS.map((k) => dataOutcome(steps.get(`write-${k}`), steps.get(`${k}-after`), KEEP[k]));
    const sysctl = valueRead(steps.get('sysctl-after'));
    return `after the runtime's restart: ${grouped(KINDS, outcomes, 'all')}; kernel.shmmax ${sysctl === OLD_SHMMAX ? 'still set' : sysctl}; then a container restart: segment ${dataOutcome(steps.get('write-segment'), steps.get('segment-after-start'))}`;
  },
  // The objects after the runtime's restart; where all were kept, a pod sysctl that was not, or the segment at the
  // container restart that followed.
  brief: (steps) => {
    const objects = together(KINDS.map((k) => outcomeWord(dataOutcome(steps.get(`write-${k}`), steps.get(`${k}-after`), KEEP[k]))));
    if (objects !== 'kept') return objects;
    const sysctl = numberIn(steps.get('sysctl-after'));
    if (sysctl !== undefined && sysctl !== OLD_SHMMAX) return 'sysctl reset';
    const segment = outcomeWord(dataOutcome(steps.get('write-segment'), steps.get('segment-after-start')));
    return segment === 'kept' ? 'kept' : labelled('restart', segment);
  },
  whenDiffers: (steps) => {
    const lost = KINDS.filter((k) => lostWith(steps.get(`write-${k}`), steps.get(`${k}-after`))).map((k) => NAMES[k]);
    const inspect = steps.get('inspect');
    return sentences(
      succeeded(inspect) &&
        !/SANDBOX_READY, attempt 0\)/.test(inspect.stdout) &&
        `After the runtime's restart the pod's sandbox was not the ready one it had been: ${JSON.stringify(inspect.stdout.split('\n').find((l) => l.startsWith('Pod:')) ?? inspect.stdout.trim())}.`,
      lost.length > 0 &&
        `The ${listed(lost)} ${lost.length > 1 ? 'were' : 'was'} gone after the runtime's restart: this runtime did not keep the pod's sandbox as it was.`,
      lostWith(steps.get('write-segment'), steps.get('segment-after-start')) &&
        'The segment was gone after the container restart that followed: the restarted runtime put the new container in another sandbox.',
    );
  },
  survival: [
    { kind: 'sysv-private', operation: 'runtime', step: 'segment-after', written: 'write-segment' },
    { kind: 'posix-mq', operation: 'runtime', step: 'mq-after', written: 'write-mq', kept: MESSAGE },
    { kind: 'posix-shm', operation: 'runtime', step: 'shm-after', written: 'write-shm' },
  ],
};
