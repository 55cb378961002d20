import type { Experiment } from '../src/model/experiment.js';
import {
  ALPHABET,
  dataOutcome,
  EXIT,
  grouped,
  keptBy,
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

const SEGMENT = ['--key', '5681'];
const MQ = ['--name', '/shmlab-mq'];
const SHM = ['--name', '/shmlab'];
const NOTE = 'shmlab\n';

/** The kinds, as the step ids name them, what their read prints when kept, and their names in sentences. */
const KINDS = ['segment', 'mq', 'shm', 'emptydir'] as const;
const KEEP = { segment: ALPHABET, mq: MESSAGE, shm: ALPHABET, emptydir: NOTE };
const NAMES = { segment: 'System V segment', mq: 'POSIX queue', shm: '/dev/shm object', emptydir: 'emptyDir file' };

export const podSandboxRecreated: Experiment = {
  ...ONLY_IN_PODS,
  slug: 'pod-sandbox-recreated',
  title: "The pod's sandbox dies and is re-created (SandboxChanged): what the same pod keeps",
  source: 'Kubernetes users: "Pod sandbox changed, it will be killed and re-created" events, after which a pod\'s shared memory is gone',
  blogSaw: 'not tried (no pods then)',
  expectedToday:
    "when the pause process dies, the runtime reports the sandbox not ready; the kubelet's answer (a new sandbox for the same pod, same UID, attempt + 1, and its containers again) loses the System V segment, the POSIX queue and the `/dev/shm` file, applies the pod's sysctls again, and keeps the (disk) `emptyDir`",
  explanation:
    "A pod's IPC namespace and `/dev/shm` belong to its sandbox, whose first process is the pause container. When that process dies (an OOM kill, a crash) the runtime reports the sandbox not ready, and the kubelet does not mend it: it stops the pod's containers and the sandbox, runs a new sandbox for the same pod (same name and UID, attempt + 1) and starts the containers in it again, each as its next attempt (pkg/kubelet/kuberuntime/util/util.go, `PodSandboxChanged`; kuberuntime_manager.go, `computePodActions`, `SyncPod`; the pod's event says \"Pod sandbox changed, it will be killed and re-created\"). shmlab does the same in the kubelet's place. The new sandbox has new namespaces and a new `/dev/shm`, so the IPC objects tried here (a System V segment, a POSIX queue, a `/dev/shm` file) are gone, although `kubectl get pod` shows the same pod with its restart count up. The pod's sysctls are part of the sandbox's config and are applied to the new one. An `emptyDir` on disk is the kubelet's folder of the pod (by UID), not the sandbox's: it stays, and so does what was written to it.",
  containers: {
    app: { sysctls: { 'kernel.shmmax': OLD_SHMMAX }, volumes: [{ volume: 'data', target: '/data' }] },
  },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'write-segment', do: 'exec', container: 'app', cmd: ['sysv-write', ...SEGMENT] },
    { id: 'write-mq', do: 'exec', container: 'app', cmd: ['mq-write', ...MQ, '--text', 'shmlab'] },
    { id: 'write-shm', do: 'exec', container: 'app', cmd: ['posix-write', ...SHM] },
    { id: 'write-emptydir', do: 'exec', container: 'app', cmd: ['sh', '-c', 'echo shmlab > /data/note'] },
    { id: 'kill-sandbox', do: 'kill-sandbox', container: 'app', why: 'shmlab kills the pause process, as an OOM kill or a crash would' },
    { id: 'recreate', do: 'recreate-sandbox', container: 'app', why: 'shmlab, as a kubelet answers a sandbox that is not ready' },
    { id: 'inspect', do: 'inspect', container: 'app', why: "the runtime's view of the container and its pod" },
    { id: 'segment-after', do: 'exec', container: 'app', cmd: ['sysv-read', ...SEGMENT] },
    { id: 'mq-after', do: 'exec', container: 'app', cmd: ['mq-read', ...MQ, '--keep'] },
    { id: 'shm-after', do: 'exec', container: 'app', cmd: ['posix-read', ...SHM] },
    { id: 'emptydir-after', do: 'exec', container: 'app', cmd: ['cat', '/data/note'] },
    { id: 'sysctl-after', do: 'exec', container: 'app', cmd: ['cat', SHMMAX], why: "the pod's sysctl in the new sandbox" },
  ],
  expect: [
    { step: 'write-segment', means: 'the segment is created', exitCode: EXIT.ok },
    { step: 'write-mq', means: 'a POSIX queue is created with a message', exitCode: EXIT.ok },
    { step: 'write-shm', means: 'a /dev/shm object is created', exitCode: EXIT.ok },
    { step: 'write-emptydir', means: 'a file is written to the emptyDir', exitCode: EXIT.ok },
    { step: 'kill-sandbox', means: 'the runtime reports the sandbox not ready', stdout: /SANDBOX_NOTREADY/ },
    {
      step: 'inspect',
      means: 'the container runs again, attempt 1, in a ready sandbox of attempt 1',
      stdout: /CONTAINER_RUNNING[^\n]*attempt 1\n[\s\S]*SANDBOX_READY, attempt 1\)/,
    },
    { step: 'segment-after', means: 'the segment is gone with the old sandbox', exitCode: EXIT.lookup, stderr: /shmget: ENOENT/ },
    { step: 'mq-after', means: 'the POSIX queue is gone with it', exitCode: EXIT.lookup, stderr: /mq_open: ENOENT/ },
    { step: 'shm-after', means: 'the /dev/shm object is gone with it', exitCode: EXIT.lookup, stderr: /shm_open: ENOENT/ },
    { step: 'emptydir-after', means: "the emptyDir's file is still there", exitCode: EXIT.ok, stdout: NOTE },
    { step: 'sysctl-after', means: "the pod's sysctl is applied to the new sandbox", stdout: `${OLD_SHMMAX}\n` },
  ],
  observe: (steps) => {
    const outcomes = KINDS.map((k) => dataOutcome(steps.get(`write-${k}`), steps.get(`${k}-after`), KEEP[k]));
    const sysctl = valueRead(steps.get('sysctl-after'));
    return `after the new sandbox: ${grouped(KINDS, outcomes, 'all')}; kernel.shmmax ${sysctl === OLD_SHMMAX ? 'applied again' : sysctl}`;
  },
  // The IPC objects in the new sandbox (`lost`, `kept`, `1/3 kept`); where all were lost, an emptyDir that was not kept.
  brief: (steps) => {
    const word = (k: (typeof KINDS)[number]) => outcomeWord(dataOutcome(steps.get(`write-${k}`), steps.get(`${k}-after`), KEEP[k]));
    const ipc = together((['segment', 'mq', 'shm'] as const).map(word));
    if (ipc !== 'lost') return ipc;
    return word('emptydir') === 'kept' ? 'lost' : labelled('volume', word('emptydir'));
  },
  whenDiffers: (steps) => {
    const kept = KINDS.filter((k) => k !== 'emptydir' && keptBy(steps.get(`write-${k}`), steps.get(`${k}-after`), KEEP[k])).map((k) => NAMES[k]);
    const emptyDirLost = lostWith(steps.get('write-emptydir'), steps.get('emptydir-after'));
    const sysctl = valueRead(steps.get('sysctl-after'));
    const killed = steps.get('kill-sandbox');
    return sentences(
      succeeded(killed) &&
        !/SANDBOX_NOTREADY/.test(killed.stdout) &&
        `After its pause process was killed the runtime did not report the sandbox not ready: ${JSON.stringify(killed.stdout.trim())}.`,
      kept.length > 0 && `The ${listed(kept)} survived the new sandbox: this runtime's new sandbox shares the old one's IPC namespace or /dev/shm.`,
      emptyDirLost &&
        "The emptyDir's file was gone after the new sandbox: this runtime did not mount the pod's emptyDir folder again, or something removed it.",
      numberIn(steps.get('sysctl-after')) !== undefined &&
        sysctl !== OLD_SHMMAX &&
        `In the new sandbox kernel.shmmax read ${sysctl}: the pod's sysctl was not applied again.`,
    );
  },
  survival: [
    { kind: 'sysv-private', operation: 'sandbox', step: 'segment-after', written: 'write-segment' },
    { kind: 'posix-mq', operation: 'sandbox', step: 'mq-after', written: 'write-mq', kept: MESSAGE },
    { kind: 'posix-shm', operation: 'sandbox', step: 'shm-after', written: 'write-shm' },
  ],
};
