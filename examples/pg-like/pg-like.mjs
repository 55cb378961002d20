// A user experiment: does a database's System V segment outlive a restart of its container?
// PostgreSQL asks this at every start: it refuses to run while a segment of its data directory is still in use
// ("pre-existing shared memory block is still in use"). The "database" is the user's own program, c-src/pg-like.c,
// which shmlab compiles static and puts in the image's /bin beside its own programs.
//
//   shmlab run --experiments examples/pg-like --only pg-like
//
// Plain JavaScript (an ES module: .mjs); the comment below lets an editor check it against shmlab's Experiment type.

const KEY = '5432001';

/** @type {import('../../src/model/experiment.js').Experiment} */
export default {
  slug: 'pg-like',
  title: "A database's System V shared memory across a restart of its container (PostgreSQL-like)",
  section: 'C',
  source: 'examples/pg-like: a user experiment with its own program (c-src/pg-like.c)',
  blogSaw: '—',
  expectedToday: 'after `docker stop` + `docker start` the segment is gone, and the database starts again without finding a pre-existing block',
  explanation:
    "The segment belongs to the container's IPC namespace, which the kernel destroys with the container's last process (ipc_namespaces(7)): a stop ends them all, and a start gives the container a new, empty namespace. On Kubernetes the pod sandbox, not the container, holds the IPC namespace, so the segment outlives the container and the database finds its old block.",
  containers: { db: {} },
  steps: [
    { id: 'run', do: 'run', container: 'db' },
    { id: 'create', do: 'exec', container: 'db', cmd: ['pg-like', '--create', '--key', KEY], why: 'the database starts: it creates its segment' },
    { id: 'check-before', do: 'exec', container: 'db', cmd: ['pg-like', '--check', '--key', KEY], why: 'the segment is there while the container runs' },
    { id: 'stop', do: 'stop', container: 'db' },
    { id: 'start', do: 'start', container: 'db', why: 'a restart of the same container' },
    { id: 'check-after', do: 'exec', container: 'db', cmd: ['pg-like', '--check', '--key', KEY], why: 'is the segment still there?' },
    { id: 'create-again', do: 'exec', container: 'db', cmd: ['pg-like', '--create', '--key', KEY], why: 'the database starts again' },
  ],
  expect: [
    { step: 'create', means: 'the database creates its segment', exitCode: 0, stdout: /^created segment 5432001 / },
    { step: 'check-before', means: 'the segment is there while the container runs', exitCode: 0, stdout: /^segment 5432001 is there: pg-like shared memory/ },
    { step: 'check-after', means: 'after the restart the segment is gone', exitCode: 1, stdout: 'no segment 5432001' },
    { step: 'create-again', means: 'the database starts again: no pre-existing shared memory block', exitCode: 0 },
  ],
  expectOn: {
    cri: {
      why: 'The kubelet restarts a container as a new container in the same pod, and the pod sandbox holds the IPC namespace: the segment outlives the container, as PostgreSQL finds on Kubernetes.',
      expect: [
        { step: 'check-after', means: "after the restart the segment is still there: the pod's IPC namespace outlived the container", exitCode: 0 },
        { step: 'create-again', means: 'the database finds its pre-existing shared memory block', exitCode: 2, stderr: /pre-existing shared memory block/ },
      ],
    },
  },
  // From the observations only: whatever steps ran, and "not run" for a step that did not.
  observe: (steps) => {
    const after = steps.get('check-after');
    if (!after) return 'not run';
    if (after.engineFailed) return 'engine error';
    const again = steps.get('create-again');
    const restart = !again
      ? ''
      : again.exitCode === 0
        ? '; the database starts clean'
        : again.exitCode === 2
          ? '; the database finds its pre-existing block'
          : `; the database's start failed (exit ${again.exitCode})`;
    if (after.exitCode === 1) return `gone after the restart${restart}`;
    if (after.exitCode === 0) return `kept after the restart${restart}`;
    return `check failed (exit ${after.exitCode})`;
  },
};
