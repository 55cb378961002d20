import { ALPHABET, EXIT, readOutcome } from '../src/model/experiment-kit.js';
import type { Experiment } from '../src/model/experiment.js';

const MIB = 1024 * 1024;
const name = ['--name', '/shmlab'];

export const posixShmRestart: Experiment = {
  slug: 'posix-shm-restart',
  title: 'POSIX shared memory (`shm_open` in /dev/shm) across a restart, and past --shm-size',
  section: 'C',
  source: 'beyond the blog: the other shared memory API',
  blogSaw: 'not tried',
  expectedToday: 'lost on restart (the tmpfs is per container run); writing past `--shm-size` fails (SIGBUS or ENOSPC)',
  explanation:
    "`shm_open` creates a file in `/dev/shm`, which the engine mounts as a tmpfs of `--shm-size` bytes (64 MiB by default) for each start of the container. A stop unmounts it and the next start mounts a new, empty one, so the object is gone. The size is a hard limit: `ftruncate` on tmpfs only sets the length, and the pages are allocated when touched, so writing past the limit kills the writer with SIGBUS (or fails with ENOSPC where the space is reserved up front).",
  containers: { app: { shmSizeBytes: 1 * MIB } },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'write', do: 'exec', container: 'app', cmd: ['posix-write', ...name] },
    { id: 'read-before', do: 'exec', container: 'app', cmd: ['posix-read', ...name] },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app' },
    { id: 'read-after', do: 'exec', container: 'app', cmd: ['posix-read', ...name] },
    { id: 'past-size', do: 'exec', container: 'app', cmd: ['posix-write', '--name', '/big', '--size', String(4 * MIB), '--fill'], why: '4 MiB into a 1 MiB /dev/shm' },
  ],
  expect: [
    { step: 'write', means: 'the object is created', exitCode: EXIT.ok },
    { step: 'read-before', means: 'the data is there', stdout: ALPHABET },
    { step: 'read-after', means: 'it is gone after the restart', exitCode: EXIT.lookup, stderr: /shm_open: ENOENT/ },
    { step: 'past-size', means: 'writing past the size fails', exitCode: 'non-zero', stderr: /SIGBUS|ENOSPC/ },
  ],
  observe: (steps) => {
    const past = steps.get('past-size');
    const how = past?.stderr.match(/SIGBUS|ENOSPC/)?.[0] ?? `exit ${past?.exitCode}`;
    return `${readOutcome(steps.get('read-after'))}; past --shm-size: ${how}${past?.exitCode === 135 ? ' (killed, status 135)' : ''}`;
  },
  survival: [{ kind: 'posix-shm', operation: 'restart', step: 'read-after' }],
};
