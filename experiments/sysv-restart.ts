import type { Experiment } from '../src/model/experiment.js';
import { ALPHABET, BLOG_KEY, dataOutcome, EXIT, failure, keptBy, lostWith, ran, readOutcome, sentences, succeeded } from '../src/model/experiment-kit.js';
import { outcomeWord } from './brief-kit.js';
import { KUBELET_RESTART, RESTART_WHY } from './pod-kit.js';

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
    { id: 'start', do: 'start', container: 'app', why: RESTART_WHY },
    { id: 'read-after', do: 'exec', container: 'app', cmd: ['sysv-read', ...key], why: 'is the segment still there?' },
  ],
  expect: [
    { step: 'write', means: 'the writer creates the segment', exitCode: EXIT.ok },
    { step: 'read-before', means: 'the data is there while the container runs', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'read-after', means: 'after the restart the segment is gone (shmget: ENOENT)', exitCode: EXIT.lookup, stderr: /shmget: ENOENT/ },
  ],
  expectOn: {
    cri: {
      why: `${KUBELET_RESTART}, and the pod sandbox, not the container, holds the IPC namespace: the segment is expected to outlive the container's processes.`,
      expect: [
        {
          step: 'read-after',
          means: "after the restart the segment is still there: the pod's IPC namespace outlived the container",
          exitCode: EXIT.ok,
          stdout: ALPHABET,
        },
      ],
    },
  },
  observe: (steps) => dataOutcome(steps.get('write'), steps.get('read-after')),
  brief: (steps) => outcomeWord(dataOutcome(steps.get('write'), steps.get('read-after'))),
  whenDiffers: (steps) => {
    const [write, before, after] = ['write', 'read-before', 'read-after'].map((id) => steps.get(id));
    const lost = lostWith(write, after);
    return sentences(
      failure(write) && `The writer failed (${failure(write)}): the segment was never created, so nothing about its lifetime was seen.`,
      succeeded(write) &&
        ran(before) &&
        readOutcome(before) !== 'kept' &&
        `Even in the running container the segment was not read back (${readOutcome(before)}).`,
      keptBy(write, after) &&
        "The segment was still there after the restart: this engine's restart kept the container's IPC namespace, so System V objects outlive the container's processes, and a program that expects a clean start finds its leftovers: remove them at start (`ipcrm`, or `IPC_RMID`).",
      lost &&
        `The segment was gone after the restart (${lost}): this engine's restart gives the container a new IPC namespace, so System V data does not outlive a restart; keep it in a file on a volume, or in an IPC namespace that outlives the container.`,
    );
  },
  survival: [{ kind: 'sysv-private', operation: 'restart', step: 'read-after', written: 'write' }],
};
