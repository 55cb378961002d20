import type { Experiment } from '../src/model/experiment.js';
import { ALPHABET, dataOutcome, EXIT, keptBy, lostWith, sentences, succeeded } from '../src/model/experiment-kit.js';
import { outcomeWord } from './brief-kit.js';
import { ONLY_IN_PODS } from './pod-kit.js';

const SEGMENT = ['--key', '5682'];
// A process stays attached to the segment (created if absent) until it is ended; the check waits for it.
const hold = (file: string) =>
  `sysv-write --key 5682 --hold 600 >${file} 2>&1 & for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do test -s ${file} && break; sleep 0.1; done; sysv-stat --key 5682`;

export const podSidecarHolds: Experiment = {
  ...ONLY_IN_PODS,
  slug: 'pod-sidecar-holds',
  title: "A sidecar attached to the app's segment keeps it across the app's restart, even with kernel.shm_rmid_forced=1",
  source: 'Kubernetes users: sidecars (restartable init containers, 1.29+) that share memory with the app',
  blogSaw: 'not tried (no pods then)',
  expectedToday:
    "in a pod with `kernel.shm_rmid_forced=1`, a segment the app created and a sidecar attached to survives the app's restart; once the sidecar restarts too and nothing is attached, it is gone",
  explanation:
    "A sidecar runs as a restartable init container (Kubernetes 1.29+): the kubelet starts it before the app's containers, in the same pod, and restarts it on its own. It shares the pod's IPC namespace. With `kernel.shm_rmid_forced=1` the kernel destroys a segment as soon as no process is attached to it; the app's restart ends the app's processes, but the sidecar is still attached, so the segment lives on. What keeps it is the sidecar's attachment, not the pod: when the sidecar restarts too, nothing is attached any more and the segment goes. shmlab starts the sidecar first and restarts each container as the kubelet would.",
  containers: {
    sidecar: { sysctls: { 'kernel.shm_rmid_forced': '1' } },
    app: { ipc: 'container:sidecar' },
  },
  steps: [
    {
      id: 'run-sidecar',
      do: 'run',
      container: 'sidecar',
      why: "the sidecar first, as the kubelet starts a pod's restartable init containers; the pod sets kernel.shm_rmid_forced=1",
    },
    { id: 'run-app', do: 'run', container: 'app', why: 'the app, in the same pod' },
    { id: 'app-holds', do: 'exec', container: 'app', cmd: ['sh', '-c', hold('/holder')], why: 'the app creates the segment and stays attached' },
    { id: 'sidecar-holds', do: 'exec', container: 'sidecar', cmd: ['sh', '-c', hold('/holder')], why: 'the sidecar attaches to it' },
    { id: 'stop-app', do: 'stop', container: 'app' },
    { id: 'start-app', do: 'start', container: 'app', why: "the app's restart ends its attached process" },
    { id: 'app-reads', do: 'exec', container: 'app', cmd: ['sysv-read', ...SEGMENT], why: 'is the segment still there, with the sidecar attached?' },
    { id: 'stop-sidecar', do: 'stop', container: 'sidecar' },
    { id: 'start-sidecar', do: 'start', container: 'sidecar', why: 'shmlab restarts the sidecar alone, as a kubelet restarts a sidecar that exited' },
    { id: 'app-reads-again', do: 'exec', container: 'app', cmd: ['sysv-read', ...SEGMENT] },
  ],
  expect: [
    { step: 'app-holds', means: 'the app is attached to its segment', exitCode: EXIT.ok, stdout: /nattch=1 / },
    { step: 'sidecar-holds', means: 'the sidecar attaches to the same segment', exitCode: EXIT.ok, stdout: /nattch=2 / },
    { step: 'app-reads', means: "the segment survives the app's restart: the sidecar holds it", exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'app-reads-again', means: 'once the sidecar restarted too, it is gone', exitCode: EXIT.lookup, stderr: /shmget: ENOENT/ },
  ],
  observe: (steps) =>
    `after the app's restart: ${dataOutcome(steps.get('app-holds'), steps.get('app-reads'))}; after the sidecar's restart too: ${dataOutcome(steps.get('app-holds'), steps.get('app-reads-again'))}`,
  // The segment after the app's restart, held by the sidecar; `always kept` where it outlived the sidecar's restart too.
  brief: (steps) => {
    const app = outcomeWord(dataOutcome(steps.get('app-holds'), steps.get('app-reads')));
    if (app !== 'kept') return app;
    return keptBy(steps.get('app-holds'), steps.get('app-reads-again')) ? 'always kept' : 'kept';
  },
  whenDiffers: (steps) => {
    const sidecar = steps.get('sidecar-holds');
    return sentences(
      succeeded(sidecar) && !/nattch=2 /.test(sidecar.stdout) && `The sidecar did not see the app attached beside it (${sidecar.stdout.trim()}).`,
      lostWith(steps.get('app-holds'), steps.get('app-reads')) &&
        "The segment was gone after the app's restart although the sidecar was attached to it: the sidecar does not share the app's IPC namespace here, or the segment went with the app.",
      keptBy(steps.get('app-holds'), steps.get('app-reads-again')) &&
        "The segment survived the sidecar's restart too, with nothing attached: `kernel.shm_rmid_forced=1` did not take effect in this pod.",
    );
  },
};
