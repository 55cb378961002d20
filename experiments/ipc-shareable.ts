import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { ALPHABET, BLOG_KEY, dataOutcome, EXIT, failure, keptBy, lostWith, refusalOutcome, sentences } from '../src/model/experiment-kit.js';
import { outcomeWord } from './brief-kit.js';
import { engineJoinPrivate, told } from './internals.js';
import { JOIN_PRIVATE_IPC, refusalPhrase, refusedWith } from './refusals.js';

const key = ['--key', BLOG_KEY];

const read = ['sysv-read', ...key];

/** `private donor refused`, `… accepted`, …; nothing where the join was not taken on this engine. */
function joinPhrase(record: StepRecord | undefined): string {
  return record?.skipped ? '' : `; private donor ${refusalPhrase(record, JOIN_PRIVATE_IPC)}`;
}

export const ipcShareable: Experiment = {
  slug: 'ipc-shareable',
  title: 'System V shared memory held by another container (`--ipc=shareable` + `--ipc=container:`)',
  section: 'C',
  requires: ['ipc-modes'],
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
    { id: 'run-donor', do: 'run', container: 'donor' },
    {
      id: 'run-joiner',
      do: 'run',
      container: 'joiner',
      mayBeRefused: refusedWith(JOIN_PRIVATE_IPC),
      why: 'join a private namespace',
    },
  ],
  expect: [
    { step: 'write', means: "the app creates the segment in the holder's namespace", exitCode: EXIT.ok },
    { step: 'read-before', means: 'the data is there', stdout: ALPHABET },
    { step: 'read-after-app-restart', means: "it survives the app's restart", exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'read-after-holder-restart', means: 'it is lost once the holder restarts', exitCode: EXIT.lookup, stderr: /shmget: ENOENT/ },
    { step: 'run-joiner', means: 'joining a private IPC namespace is refused', refused: true, stderr: /non-shareable IPC/ },
  ],
  observe: (steps) => {
    const write = steps.get('write');
    return `${dataOutcome(write, steps.get('read-after-app-restart'))} after app restart; ${dataOutcome(write, steps.get('read-after-holder-restart'))} after holder restart${joinPhrase(steps.get('run-joiner'))}`;
  },
  // The segment after the app's restart, the row's question; then what else went otherwise than expected.
  brief: (steps) => {
    const write = steps.get('write');
    const app = outcomeWord(dataOutcome(write, steps.get('read-after-app-restart')));
    if (app !== 'kept') return app;
    if (keptBy(write, steps.get('read-after-holder-restart'))) return 'always kept';
    return refusalOutcome(steps.get('run-joiner')) === 'accepted' ? 'private join' : 'kept';
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
  survival: [{ kind: 'sysv-holder', operation: 'restart', step: 'read-after-app-restart', written: 'write' }],
};
