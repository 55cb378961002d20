import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { ALPHABET, dataOutcome, EXIT, failure, keptBy, lostWith, sentences, succeeded, unobserved } from '../src/model/experiment-kit.js';
import { BRIEF_MAX, outcomeWord } from './brief-kit.js';
import { KUBELET_RESTART } from './pod-kit.js';

const MIB = 1024 * 1024;
const name = ['--name', '/shmlab'];

/** The write past --shm-size: `written`, SIGBUS or ENOSPC (with how it ended), `exit N`, `not run` or `engine error`. */
function pastSize(past: StepRecord | undefined): string {
  return (
    unobserved(past) ??
    (succeeded(past)
      ? 'written'
      : `${past!.stderr.match(/SIGBUS|ENOSPC/)?.[0] ?? `exit ${past!.exitCode}`}${past!.exitCode === 135 ? ' (killed, status 135)' : ''}`)
  );
}

export const posixShmRestart: Experiment = {
  slug: 'posix-shm-restart',
  title: 'POSIX shared memory (`shm_open` in /dev/shm) across a restart, and past --shm-size',
  section: 'C',
  source: 'beyond the blog: the other shared memory API',
  blogSaw: 'not tried',
  expectedToday: 'lost on restart (the tmpfs is per container run); writing past `--shm-size` fails (SIGBUS or ENOSPC)',
  explanation:
    "`shm_open` creates a file in `/dev/shm`, which the engine mounts as a tmpfs of `--shm-size` bytes (64 MiB when none is given: moby's `config.DefaultShmSize`) for each start of the container. A stop unmounts it and the next start mounts a new, empty one, so the object is gone. The size is a hard limit: `ftruncate` on tmpfs only sets the length, and the pages are allocated when touched, so writing past the limit kills the writer with SIGBUS (or fails with ENOSPC where the space is reserved up front).",
  containers: { app: { shmSizeBytes: 1 * MIB } },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'write', do: 'exec', container: 'app', cmd: ['posix-write', ...name] },
    { id: 'read-before', do: 'exec', container: 'app', cmd: ['posix-read', ...name] },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app' },
    { id: 'read-after', do: 'exec', container: 'app', cmd: ['posix-read', ...name] },
    {
      id: 'past-size',
      do: 'exec',
      container: 'app',
      cmd: ['posix-write', '--name', '/big', '--size', String(4 * MIB), '--fill'],
      why: '4 MiB, past a 1 MiB --shm-size',
      skipOn: { cri: "CRI has no size for /dev/shm: without a 1 MiB limit to write past, the write would tell nothing (pod-dev-shm fills the pod's)" },
    },
  ],
  expect: [
    { step: 'write', means: 'the object is created', exitCode: EXIT.ok },
    { step: 'read-before', means: 'the data is there', stdout: ALPHABET },
    { step: 'read-after', means: 'it is gone after the restart', exitCode: EXIT.lookup, stderr: /shm_open: ENOENT/ },
    { step: 'past-size', means: 'writing past the size fails', exitCode: 'non-zero', stderr: /SIGBUS|ENOSPC/ },
  ],
  expectOn: {
    cri: {
      why: `${KUBELET_RESTART}, and \`/dev/shm\` is the pod sandbox's tmpfs, mounted into each of its containers: the object is expected to survive. CRI has no \`--shm-size\`, so the write past it is not taken.`,
      expect: [{ step: 'read-after', means: "it survives the restart: /dev/shm is the pod's, not the container's", exitCode: EXIT.ok, stdout: ALPHABET }],
    },
  },
  observe: (steps) => {
    const past = steps.get('past-size');
    return `${dataOutcome(steps.get('write'), steps.get('read-after'))}${past?.skipped ? '' : `; 4 MiB into /dev/shm: ${pastSize(past)}`}`;
  },
  // The object after the restart, and how the write past --shm-size failed where it was tried (`lost, SIGBUS`).
  brief: (steps) => {
    const object = outcomeWord(dataOutcome(steps.get('write'), steps.get('read-after')));
    const past = steps.get('past-size');
    const both = `${object}, ${outcomeWord(pastSize(past))}`;
    return failure(past) && both.length <= BRIEF_MAX ? both : object;
  },
  whenDiffers: (steps) => {
    const [write, after, past] = ['write', 'read-after', 'past-size'].map((id) => steps.get(id));
    return sentences(
      failure(write) && `Creating the object in /dev/shm failed (${failure(write)}).`,
      lostWith(write, after) &&
        `The object was gone after the restart (${lostWith(write, after)}): this engine gives the container a new, empty /dev/shm at each start, so POSIX shared memory does not outlive a restart; map a file on a volume to keep the data.`,
      keptBy(write, after) &&
        "The object was still in /dev/shm after the restart: this engine keeps the container's /dev/shm across a restart, so POSIX shared memory outlives the container's processes; remove stale objects at start (`shm_unlink`).",
      succeeded(past) &&
        'The 4 MiB write into a /dev/shm of 1 MiB (`--shm-size`) succeeded: this engine does not give /dev/shm the size asked for, so `--shm-size` is no limit here.',
      failure(past) && !/SIGBUS|ENOSPC/.test(past!.stderr) && `Writing past the size failed otherwise than with SIGBUS or ENOSPC (${failure(past)}).`,
    );
  },
  survival: [{ kind: 'posix-shm', operation: 'restart', step: 'read-after', written: 'write' }],
};
