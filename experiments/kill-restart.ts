import { ALPHABET, EXIT, LAYER_FILE, POSIX_OBJECT, SYSV_SEGMENT, readOutcome } from '../src/model/experiment-kit.js';
import type { Experiment } from '../src/model/experiment.js';

const [sysv, posix, file] = [SYSV_SEGMENT, POSIX_OBJECT, LAYER_FILE];

export const killRestart: Experiment = {
  slug: 'kill-restart',
  title: 'SIGKILL (`docker kill`) with unsynced data, then start',
  section: 'C',
  source: 'beyond the blog: a crash instead of a clean stop',
  blogSaw: 'not tried',
  expectedToday: 'System V and POSIX lost; the mapped file keeps its data even without `msync` (the page cache belongs to the file)',
  explanation:
    "A killed container ends like a stopped one: its last process exits, its IPC namespace and its `/dev/shm` go. The mapped file's data survives even though the writer never called `msync`: a MAP_SHARED store goes straight into the page cache, which belongs to the file, not to the process, and the kernel writes it back whenever it likes. Only a crash of the host itself before write-back could lose it.",
  containers: { app: {} },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'write-sysv', do: 'exec', container: 'app', cmd: ['sysv-write', ...sysv] },
    { id: 'write-posix', do: 'exec', container: 'app', cmd: ['posix-write', ...posix] },
    { id: 'write-file', do: 'exec', container: 'app', cmd: ['mmap-write', ...file, '--no-sync'], why: 'no msync: the data is only in the page cache' },
    { id: 'kill', do: 'kill', container: 'app' },
    { id: 'start', do: 'start', container: 'app' },
    { id: 'sysv-after', do: 'exec', container: 'app', cmd: ['sysv-read', ...sysv] },
    { id: 'posix-after', do: 'exec', container: 'app', cmd: ['posix-read', ...posix] },
    { id: 'file-after', do: 'exec', container: 'app', cmd: ['mmap-read', ...file] },
  ],
  expect: [
    { step: 'write-file', means: 'the file is written without msync', exitCode: EXIT.ok, stdout: /msync=no/ },
    { step: 'sysv-after', means: 'the System V segment is lost', exitCode: EXIT.lookup, stderr: /shmget: ENOENT/ },
    { step: 'posix-after', means: 'the POSIX object is lost', exitCode: EXIT.lookup, stderr: /shm_open: ENOENT/ },
    { step: 'file-after', means: 'the mapped file keeps its data', exitCode: EXIT.ok, stdout: ALPHABET },
  ],
  expectOn: {
    cri: {
      why: "The kubelet restarts a killed container as a new container in the same pod: the pod's IPC namespace and its `/dev/shm` survive the kill, the container's writable layer does not.",
      expect: [
        { step: 'sysv-after', means: "the System V segment survives: the pod's IPC namespace outlived the killed container", exitCode: EXIT.ok, stdout: ALPHABET },
        { step: 'posix-after', means: "the POSIX object survives in the pod's /dev/shm", exitCode: EXIT.ok, stdout: ALPHABET },
        { step: 'file-after', means: 'the mapped file is gone: the restarted container has a new writable layer', exitCode: EXIT.lookup, stderr: /open: ENOENT/ },
      ],
    },
  },
  observe: (steps) => `System V ${readOutcome(steps.get('sysv-after'))}; file ${readOutcome(steps.get('file-after'))}`,
  survival: [
    { kind: 'sysv-private', operation: 'kill', step: 'sysv-after' },
    { kind: 'posix-shm', operation: 'kill', step: 'posix-after' },
    { kind: 'mmap-layer', operation: 'kill', step: 'file-after' },
  ],
};
