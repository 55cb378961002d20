import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { ALPHABET, dataOutcome, EXIT, failure, listed, lostWith, ran, readOutcome, refusalOutcome, sentences, succeeded } from '../src/model/experiment-kit.js';
import { each, outcomeWord } from './brief-kit.js';
import { HOST_MQUEUE_UNOWNED, refusalPhrase, refusedWith } from './refusals.js';
import { ROOTLESS_DOCKER_20_HOST_IPC, ROOTLESS_HOST_IPC } from './rootless.js';

// {hostKey}: a key of this run's own in the host's namespace (prefix 0x5d1a), removed after the experiment whatever happens.
const key = ['--key', '{hostKey}'];
const read = ['sysv-read', ...key];
// A host user that is neither the host's root nor any engine's.
const NOBODY = 65534;

/** Who owns the segment as the host sees it, and whether another host user could remove it, where shmlab looked. */
function hostView(steps: ReadonlyMap<string, StepRecord>): string[] {
  const owner = steps.get('host-owner');
  const other = steps.get('host-other-user');
  const ids = succeeded(owner) ? owner.stdout.match(/\buid=(\d+) gid=\d+ cuid=(\d+)/) : null;
  return [
    ids ? `host owner uid ${ids[1]}${ids[2] === ids[1] ? '' : `, creator uid ${ids[2]}`}` : ran(owner) ? `host owner: ${failure(owner) ?? 'unreadable'}` : '',
    ran(other)
      ? other.exitCode === 0
        ? 'another host user removed it'
        : `another host user's ipcrm: ${/permission denied/.test(other.stderr) ? 'permission denied' : failure(other)}`
      : '',
  ].filter(Boolean);
}

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
    { id: 'write', do: 'exec', container: 'app', cmd: ['sysv-write', ...key], why: "a key of this run's own" },
    { id: 'read-before', do: 'exec', container: 'app', cmd: read },
    { id: 'host-owner', do: 'host-segment', container: 'app', why: 'who owns it, as the host sees it' },
    {
      id: 'host-other-user',
      do: 'host-segment',
      container: 'app',
      removeAs: NOBODY,
      why: 'another host user (nobody, uid 65534) tries to remove it',
    },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app' },
    { id: 'read-after-restart', do: 'exec', container: 'app', cmd: read },
    { id: 'kill', do: 'kill', container: 'app' },
    { id: 'start-after-kill', do: 'start', container: 'app' },
    { id: 'read-after-kill', do: 'exec', container: 'app', cmd: read },
    { id: 'remove', do: 'remove', container: 'app' },
    { id: 'run-new', do: 'run', container: 'app', why: 'a new container', mayBeRefused: refusedWith(HOST_MQUEUE_UNOWNED) },
    { id: 'read-after-recreate', do: 'exec', container: 'app', cmd: read },
  ],
  expect: [
    { step: 'run', means: "the engine starts a container in the host's IPC namespace", refused: false },
    { step: 'run-new', means: "the engine starts a new container in the host's IPC namespace", refused: false },
    { step: 'write', means: "the segment is created in the host's namespace", exitCode: EXIT.ok },
    { step: 'read-before', means: 'the data is there', stdout: ALPHABET },
    {
      step: 'host-owner',
      means: "the host sees it owned and created by its root (the container's root is the host's)",
      stdout: /\buid=0 gid=0 cuid=0 cgid=0\n$/,
    },
    { step: 'host-other-user', means: 'another host user cannot remove it', exitCode: 'non-zero', stderr: /permission denied/ },
    { step: 'read-after-restart', means: 'it survives stop and start', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'read-after-kill', means: 'it survives a kill', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'read-after-recreate', means: 'it survives removing the container', exitCode: EXIT.ok, stdout: ALPHABET },
  ],
  expectOn: {
    'rootless-docker-20.10': {
      why: ROOTLESS_DOCKER_20_HOST_IPC,
      expect: [
        {
          step: 'run',
          means: "runc cannot start the container: the kernel refuses it the new mqueue mount in the host's IPC namespace",
          refused: true,
        },
        { step: 'run-new', means: 'so is a new one', refused: true },
      ],
      drop: ['write', 'read-before', 'host-owner', 'host-other-user', 'read-after-restart', 'read-after-kill', 'read-after-recreate'],
    },
    // The common expectations hold; why they do, in a user namespace that does not own the host's IPC namespace.
    rootless: {
      why: ROOTLESS_HOST_IPC,
      expect: [
        {
          step: 'host-owner',
          means: "the host sees it owned and created by the host user that root in the engine's containers maps to, not by the host's root",
          stdout: /\buid=([1-9]\d*) gid=([1-9]\d*) cuid=\1 cgid=\2\n$/,
        },
      ],
    },
  },
  observe: (steps) => {
    if (refusalOutcome(steps.get('run')) === 'refused') return `--ipc=host ${refusalPhrase(steps.get('run'), HOST_MQUEUE_UNOWNED)}`;
    const write = steps.get('write');
    return [
      `${dataOutcome(write, steps.get('read-after-restart'))} after restart, ${dataOutcome(write, steps.get('read-after-recreate'))} after re-creation`,
      ...hostView(steps),
    ].join('; ');
  },
  // The engine's refusal, else the segment after the restart and after re-creation (`kept/lost` where they differ).
  brief: (steps) => {
    const run = refusalOutcome(steps.get('run'));
    if (run !== 'accepted') return outcomeWord(run);
    const after = (id: string) => outcomeWord(dataOutcome(steps.get('write'), steps.get(id)));
    return each([after('read-after-restart'), after('read-after-recreate')]);
  },
  whenDiffers: (steps) => {
    const write = steps.get('write');
    const when = { 'read-after-restart': 'a restart', 'read-after-kill': 'a kill', 'read-after-recreate': 're-creating the container' } as const;
    const lost = (Object.keys(when) as (keyof typeof when)[]).filter((id) => lostWith(write, steps.get(id)));
    const errno = lost.length ? lostWith(write, steps.get(lost[0]!)) : undefined;
    const run = steps.get('run');
    const owner = steps.get('host-owner');
    const uid = succeeded(owner) ? owner.stdout.match(/\buid=(\d+)/)?.[1] : undefined;
    const other = steps.get('host-other-user');
    return sentences(
      uid !== undefined &&
        uid !== '0' &&
        `The host saw the segment owned by uid ${uid}, not by the host's root: on the host, only that user, its creator, or a process with CAP_SYS_ADMIN in the host's user namespace may remove it or change its permissions (ipc/util.c, \`ipcctl_obtain_check\`).`,
      ran(other) && other.exitCode === 0 && 'Another host user (nobody, uid 65534) removed it: the segment was not protected from other users of the host.',
      refusalOutcome(run) === 'refused' &&
        `The engine refused the container in the host's IPC namespace (${run!.stderr.trim()}): nothing could be kept there on this engine.`,
      refusalOutcome(run) === 'accepted' &&
        steps.get('write')?.skipped !== undefined &&
        "The engine started the container in the host's IPC namespace, with what this engine mounts at `/dev/mqueue` there.",
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
