// A user experiment: a program that creates its System V segment exclusively at every start (IPC_CREAT | IPC_EXCL)
// fails when its segment from an earlier start is still there. Does that segment outlive a restart of its container?
// The program is the user's own, c-src/exclusive-segment.c, which shmlab compiles static and puts in the image's /bin
// beside its own programs.
//
//   shmlab run --experiments examples/exclusive-segment --only exclusive-segment
//
// Plain JavaScript (an ES module: .mjs); the comment below lets an editor (or `tsc --checkJs`) check it against
// shmlab's Experiment type. 'shmlab' resolves where the package is installed, in this folder of the installed package,
// and in a checkout once built (the package's own name, through package.json's "exports").

const KEY = '5432001';

/** @type {import('shmlab').Experiment} */
export default {
  slug: 'exclusive-segment',
  title: 'A program that creates its System V segment exclusively, started again after a restart of its container',
  section: 'C',
  source: 'examples/exclusive-segment: a user experiment with its own program (c-src/exclusive-segment.c)',
  blogSaw: '—',
  expectedToday: 'after `docker stop` + `docker start` the segment is gone, and the program creates it again',
  explanation:
    "The segment belongs to the container's IPC namespace, which the kernel destroys with the container's last process (ipc_namespaces(7)): a stop ends them all, and a start gives the container a new, empty namespace, so the program's exclusive create succeeds again. Where the IPC namespace outlives the container's processes (a Kubernetes pod's, held by its sandbox), the old segment is still there and the exclusive create fails with EEXIST.",
  containers: { app: {} },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'create', do: 'exec', container: 'app', cmd: ['exclusive-segment', '--create', '--key', KEY], why: 'the program starts: it creates its segment' },
    {
      id: 'check-before',
      do: 'exec',
      container: 'app',
      cmd: ['exclusive-segment', '--check', '--key', KEY],
      why: 'the segment is there while the container runs',
    },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app', why: 'a restart of the container' },
    { id: 'check-after', do: 'exec', container: 'app', cmd: ['exclusive-segment', '--check', '--key', KEY], why: 'is the segment still there?' },
    { id: 'create-again', do: 'exec', container: 'app', cmd: ['exclusive-segment', '--create', '--key', KEY], why: 'the program starts again' },
  ],
  expect: [
    { step: 'create', means: 'the program creates its segment', exitCode: 0, stdout: /^created segment 5432001 / },
    { step: 'check-before', means: 'the segment is there while the container runs', exitCode: 0, stdout: /^segment 5432001 is there: exclusive-segment/ },
    { step: 'check-after', means: 'after the restart the segment is gone', exitCode: 1, stdout: 'no segment 5432001' },
    { step: 'create-again', means: 'the program creates it again', exitCode: 0 },
  ],
  expectOn: {
    cri: {
      why: "On a Kubernetes node a container's restart is a new container in the same pod sandbox, and the sandbox holds the IPC namespace: the segment is expected to outlive the container, and the exclusive create to fail.",
      expect: [
        { step: 'check-after', means: "after the restart the segment is still there: the pod's IPC namespace outlived the container", exitCode: 0 },
        { step: 'create-again', means: 'the exclusive create fails: the old segment is there', exitCode: 2, stderr: /EEXIST/ },
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
      : again.engineFailed
        ? '; its start: engine error'
        : again.exitCode === 0
          ? '; created again'
          : again.exitCode === 2
            ? '; the exclusive create failed (EEXIST)'
            : `; the create failed (exit ${again.exitCode})`;
    if (after.exitCode === 1) return `gone after the restart${restart}`;
    if (after.exitCode === 0) return `kept after the restart${restart}`;
    return `check failed (exit ${after.exitCode})`;
  },
};
