import type { Experiment } from '../src/model/experiment.js';
import { ALPHABET, dataOutcome, EXIT, failure, listed, lostWith, ran, readOutcome, refusalOutcome, sentences, succeeded } from '../src/model/experiment-kit.js';
import { HOST_MQUEUE_UNOWNED, refusalPhrase, refusedWith } from './refusals.js';
import { NO_HOST_IPC_CONTAINER, ROOTLESS_DOCKER_HOST_IPC, ROOTLESS_PODMAN_HOST_IPC } from './rootless.js';

// {hostKey}: a key of this run's own in the host's namespace (prefix 0x5d1a), removed after the experiment whatever happens.
const key = ['--key', '{hostKey}'];
const read = ['sysv-read', ...key];
// Every step after the run needs its container: on rootless Docker there is none.
const afterRun = { 'rootless-docker': NO_HOST_IPC_CONTAINER };

export const ipcHost: Experiment = {
  slug: 'ipc-host',
  title: "System V shared memory in the host's IPC namespace (`--ipc=host`)",
  section: 'C',
  source: 'the blog\'s open question: "maybe Docker will add global IPC later"',
  blogSaw: 'no such option (the segment died with the container)',
  expectedToday: "the segment survives stop and start, a kill, and removing the container: it is the host's",
  explanation:
    'With `--ipc=host` the container joins the host\'s IPC namespace, which lives as long as the host: a segment created there no longer depends on any container, so it outlives restarts, kills and the container itself. That is the "global IPC" the blog hoped for, at the price of isolation (every such container sees every segment of the host) and of cleanup: nothing removes the segment but `ipcrm` (here shmlab removes it after the experiment, on every path).',
  containers: { app: { ipc: 'host' } },
  steps: [
    { id: 'run', do: 'run', container: 'app', mayBeRefused: refusedWith(HOST_MQUEUE_UNOWNED) },
    { id: 'write', do: 'exec', container: 'app', cmd: ['sysv-write', ...key], why: "a key of this run's own", skipOn: afterRun },
    { id: 'read-before', do: 'exec', container: 'app', cmd: read, skipOn: afterRun },
    { id: 'stop', do: 'stop', container: 'app', skipOn: afterRun },
    { id: 'start', do: 'start', container: 'app', skipOn: afterRun },
    { id: 'read-after-restart', do: 'exec', container: 'app', cmd: read, skipOn: afterRun },
    { id: 'kill', do: 'kill', container: 'app', skipOn: afterRun },
    { id: 'start-after-kill', do: 'start', container: 'app', skipOn: afterRun },
    { id: 'read-after-kill', do: 'exec', container: 'app', cmd: read, skipOn: afterRun },
    { id: 'remove', do: 'remove', container: 'app', skipOn: afterRun },
    { id: 'run-new', do: 'run', container: 'app', why: 'a new container', skipOn: afterRun },
    { id: 'read-after-recreate', do: 'exec', container: 'app', cmd: read, skipOn: afterRun },
  ],
  expect: [
    { step: 'run', means: "the engine starts a container in the host's IPC namespace", refused: false },
    { step: 'write', means: "the segment is created in the host's namespace", exitCode: EXIT.ok },
    { step: 'read-before', means: 'the data is there', stdout: ALPHABET },
    { step: 'read-after-restart', means: 'it survives stop and start', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'read-after-kill', means: 'it survives a kill', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'read-after-recreate', means: 'it survives removing the container', exitCode: EXIT.ok, stdout: ALPHABET },
  ],
  expectOn: {
    'rootless-docker': {
      why: ROOTLESS_DOCKER_HOST_IPC,
      expect: [
        {
          step: 'run',
          means: "the container is refused: the kernel refuses the mqueue mount a container in the host's IPC namespace gets",
          refused: true,
        },
      ],
      drop: ['write', 'read-before', 'read-after-restart', 'read-after-kill', 'read-after-recreate'],
    },
    // The common expectations hold; why they do, in a user namespace that does not own the host's IPC namespace.
    'rootless-podman': { why: ROOTLESS_PODMAN_HOST_IPC, expect: [] },
  },
  observe: (steps) => {
    if (refusalOutcome(steps.get('run')) === 'refused') return `--ipc=host ${refusalPhrase(steps.get('run'), HOST_MQUEUE_UNOWNED)}`;
    const write = steps.get('write');
    return `${dataOutcome(write, steps.get('read-after-restart'))} after restart, ${dataOutcome(write, steps.get('read-after-recreate'))} after re-creation`;
  },
  whenDiffers: (steps) => {
    const write = steps.get('write');
    const when = { 'read-after-restart': 'a restart', 'read-after-kill': 'a kill', 'read-after-recreate': 're-creating the container' } as const;
    const lost = (Object.keys(when) as (keyof typeof when)[]).filter((id) => lostWith(write, steps.get(id)));
    const errno = lost.length ? lostWith(write, steps.get(lost[0]!)) : undefined;
    const run = steps.get('run');
    return sentences(
      refusalOutcome(run) === 'refused' &&
        `The engine refused the container in the host's IPC namespace (${run!.stderr.trim()}): nothing could be kept there on this engine.`,
      refusalOutcome(run) === 'accepted' &&
        steps.get('write')?.skipped !== undefined &&
        "The engine started the container in the host's IPC namespace; the steps that would use it were not taken on this set-up, so what it keeps there was not observed.",
      failure(write) && `The writer failed in the host's IPC namespace (${failure(write)}): no segment was created.`,
      lost.length > 0 &&
        `The segment created with \`--ipc=host\` was gone after ${listed(lost.map((id) => when[id]))} (${errno}): a segment of the host's IPC namespace outlives any container, so this engine's "host" IPC namespace is not the host's; it ends with the container. Sharing memory with host processes, or keeping a segment across restarts this way, does not work on this engine: keep the data in a file on a volume.`,
      succeeded(write) &&
        ran(steps.get('read-before')) &&
        readOutcome(steps.get('read-before')) !== 'kept' &&
        `The segment could not be read back even before the restart (${readOutcome(steps.get('read-before'))}).`,
    );
  },
  survival: [
    { kind: 'sysv-host', operation: 'restart', step: 'read-after-restart', written: 'write' },
    { kind: 'sysv-host', operation: 'kill', step: 'read-after-kill', written: 'write' },
    { kind: 'sysv-host', operation: 'recreate', step: 'read-after-recreate', written: 'write' },
  ],
};
