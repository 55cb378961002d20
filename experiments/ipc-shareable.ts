import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { ALPHABET, BLOG_KEY, dataOutcome, EXIT, failure, keptBy, lostWith, refusalOutcome, sentences } from '../src/model/experiment-kit.js';
import { engineJoinPrivate, told } from './internals.js';
import { JOIN_PRIVATE_IPC, refusalPhrase, refusedWith } from './refusals.js';

const key = ['--key', BLOG_KEY];

// On CRI shmlab creates a `container:<donor>` container in the donor's pod: whether it may join is fixed by that.
const NO_PRIVATE_IPC =
  "Kubernetes has no private IPC mode: every container of a pod shares the pod's IPC namespace, and shmlab creates a container that joins another in that container's pod, so a join would be accepted by construction, not by the runtime";
const read = ['sysv-read', ...key];

/** `private donor refused`, `… accepted`, …; nothing where the join was not taken on this engine. */
function joinPhrase(record: StepRecord | undefined): string {
  return record?.skipped ? '' : `; private donor ${refusalPhrase(record, JOIN_PRIVATE_IPC)}`;
}

export const ipcShareable: Experiment = {
  slug: 'ipc-shareable',
  title: 'System V shared memory held by another container (`--ipc=shareable` + `--ipc=container:`)',
  section: 'C',
  source: "the blog's open question: how to keep System V data across a restart of the application",
  blogSaw: 'no such option',
  expectedToday: "the segment survives the app's restart while the holder runs, and is lost once the holder restarts; joining a `private` donor is refused",
  explanation:
    "A holder container with a shareable IPC namespace keeps that namespace alive for as long as it runs; an app started with `--ipc=container:<holder>` joins it. The app's restart ends only its own processes, so the segment stays. Restarting the holder gives it a new namespace, and the restarted app joins the new, empty one. An engine refuses to join a container whose IPC namespace is `private`: that mode exists to forbid exactly this.",
  internals: (s) => told(engineJoinPrivate(s)),
  containers: {
    holder: { ipc: 'shareable' },
    app: { ipc: 'container:holder' },
    donor: { ipc: 'private' },
    joiner: { ipc: 'container:donor' },
  },
  steps: [
    { id: 'run-holder', do: 'run', container: 'holder' },
    { id: 'run-app', do: 'run', container: 'app' },
    { id: 'write', do: 'exec', container: 'app', cmd: ['sysv-write', ...key] },
    { id: 'read-before', do: 'exec', container: 'app', cmd: read },
    { id: 'stop-app', do: 'stop', container: 'app' },
    { id: 'start-app', do: 'start', container: 'app' },
    { id: 'read-after-app-restart', do: 'exec', container: 'app', cmd: read, why: 'the holder kept running' },
    { id: 'stop-holder', do: 'stop', container: 'holder' },
    { id: 'start-holder', do: 'start', container: 'holder' },
    { id: 'stop-app-again', do: 'stop', container: 'app' },
    { id: 'start-app-again', do: 'start', container: 'app', why: "joins the holder's namespace as its restart left it" },
    { id: 'read-after-holder-restart', do: 'exec', container: 'app', cmd: read },
    { id: 'run-donor', do: 'run', container: 'donor', skipOn: { cri: NO_PRIVATE_IPC } },
    {
      id: 'run-joiner',
      do: 'run',
      container: 'joiner',
      mayBeRefused: refusedWith(JOIN_PRIVATE_IPC),
      why: 'join a private namespace',
      skipOn: { cri: NO_PRIVATE_IPC },
    },
  ],
  expect: [
    { step: 'write', means: "the app creates the segment in the holder's namespace", exitCode: EXIT.ok },
    { step: 'read-before', means: 'the data is there', stdout: ALPHABET },
    { step: 'read-after-app-restart', means: "it survives the app's restart", exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'read-after-holder-restart', means: 'it is lost once the holder restarts', exitCode: EXIT.lookup, stderr: /shmget: ENOENT/ },
    { step: 'run-joiner', means: 'joining a private IPC namespace is refused', refused: true, stderr: /non-shareable IPC/ },
  ],
  expectOn: {
    cri: {
      why: "On CRI, shmlab creates a `container:<holder>` container in the holder's pod, and there the pod sandbox, not the holder, holds the IPC namespace: the holder's restart (as the kubelet restarts a container: a new container, attempt + 1, in the same pod) is expected to keep the namespace and its segment. The join of a private donor is not taken: Kubernetes has no private IPC mode.",
      expect: [
        {
          step: 'read-after-holder-restart',
          means: "it survives the holder's restart too: the pod's IPC namespace stays",
          exitCode: EXIT.ok,
          stdout: ALPHABET,
        },
      ],
    },
  },
  observe: (steps) => {
    const write = steps.get('write');
    return `${dataOutcome(write, steps.get('read-after-app-restart'))} after app restart; ${dataOutcome(write, steps.get('read-after-holder-restart'))} after holder restart${joinPhrase(steps.get('run-joiner'))}`;
  },
  whenDiffers: (steps) => {
    const [write, afterApp, afterHolder, joiner] = ['write', 'read-after-app-restart', 'read-after-holder-restart', 'run-joiner'].map((id) => steps.get(id));
    const lostApp = lostWith(write, afterApp);
    return sentences(
      failure(write) && `The app's writer failed (${failure(write)}): no segment was created in the holder's namespace.`,
      lostApp &&
        `The segment the app wrote was gone after the app's restart (${lostApp}), while the holder kept running: on this engine \`--ipc=container:<holder>\` does not keep the app's System V objects in the holder's namespace, so a holder container does not preserve shared memory across the app's restarts. Keep the data in a file on a volume.`,
      keptBy(write, afterApp) &&
        lostWith(write, afterHolder) &&
        `The segment survived the app's restart but was gone after the holder's (${lostWith(write, afterHolder)}): the holder owns the namespace, so the data lives only as long as the holder runs.`,
      keptBy(write, afterHolder) &&
        "The segment was still there after the holder's restart as well: the namespace outlived the holder's restart, so a segment there lives until its namespace's last container goes.",
      refusalOutcome(joiner) === 'accepted' &&
        'Joining a container whose IPC mode is `private` was accepted: on this engine `private` does not keep other containers out of a namespace.',
    );
  },
  survival: [{ kind: 'sysv-holder', operation: 'restart', step: 'read-after-app-restart' }],
};
