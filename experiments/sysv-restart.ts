import { ALPHABET, BLOG_KEY, EXIT, readOutcome } from '../src/model/experiment-kit.js';
import type { Experiment } from '../src/model/experiment.js';

const key = ['--key', BLOG_KEY, '--size', '27'];

export const sysvRestart: Experiment = {
  slug: 'sysv-restart',
  title: 'System V shared memory across a stop and start of the same container',
  section: 'A',
  source: '探讨docker容器对共享内存的支持情况 (shared memory in Docker containers), part 1: System V',
  blogSaw: 'the reader works while the container runs; after `docker stop` + `docker start`, `shmget` fails (the program prints error -1)',
  expectedToday: 'the same: after the restart `shmget` fails with ENOENT',
  explanation: `Every container gets its own IPC namespace, and the kernel destroys all System V objects of an IPC namespace when its last process exits (ipc_namespaces(7)). \`docker stop\` ends every process of the container, so the namespace and segment ${BLOG_KEY} die with it; \`docker start\` creates a fresh, empty namespace for the same container.`,
  containers: { app: {} },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'write', do: 'exec', container: 'app', cmd: ['sysv-write', ...key], why: 'create segment 5678 and store a..z' },
    { id: 'read-before', do: 'exec', container: 'app', cmd: ['sysv-read', ...key], why: 'read it back in the running container' },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app', why: "a restart, not a re-creation (on CRI, the kubelet's: a new attempt in the same pod)" },
    { id: 'read-after', do: 'exec', container: 'app', cmd: ['sysv-read', ...key], why: 'is the segment still there?' },
  ],
  expect: [
    { step: 'write', means: 'the writer creates the segment', exitCode: EXIT.ok },
    { step: 'read-before', means: 'the data is there while the container runs', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'read-after', means: 'after the restart the segment is gone (shmget: ENOENT)', exitCode: EXIT.lookup, stderr: /shmget: ENOENT/ },
  ],
  expectOn: {
    cri: {
      why: "The kubelet restarts a container as a new container in the same pod, and the pod sandbox, not the container, holds the IPC namespace: the segment outlives the container's processes.",
      expect: [{ step: 'read-after', means: "after the restart the segment is still there: the pod's IPC namespace outlived the container", exitCode: EXIT.ok, stdout: ALPHABET }],
    },
  },
  observe: (steps) => readOutcome(steps.get('read-after')),
  survival: [{ kind: 'sysv-private', operation: 'restart', step: 'read-after' }],
};
