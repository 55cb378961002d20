import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { ALPHABET, dataOutcome, EXIT, failure, keptBy, lostWith, ran, sentences } from '../src/model/experiment-kit.js';
import { outcomeWord } from './brief-kit.js';
import { KUBELET_RESTART, RESTART_WHY } from './pod-kit.js';

/** The engine's list of changes names the file as added. */
const listsFile = (record: StepRecord | undefined) => ran(record) && /^A \/shm\.txt$/m.test(record.stdout);

// The blog's relative path, resolved against the container's working directory, /.
const path = ['--path', './shm.txt'];

export const mmapRestart: Experiment = {
  slug: 'mmap-restart',
  title: 'A MAP_SHARED regular file across a stop and start of the same container',
  section: 'A',
  source: '探讨docker容器对共享内存的支持情况 (shared memory in Docker containers), part 2: mmap',
  blogSaw: "the data is still there after the restart; `shm.txt` sits in the container's writable layer (`/var/lib/docker/aufs/mnt/<id>/shm.txt`)",
  expectedToday: "the same; the engine lists `A /shm.txt` among the container's changes, and the file lives in its writable (upper) layer",
  explanation:
    "A mapping of a regular file with MAP_SHARED writes through to the file. The file is in the container's writable layer, which belongs to the container, not to its processes: stop and start keep the layer, so the data is read back. The engine's own view proves where it lives: `docker diff` lists the file as added, and `GraphDriver.Data.UpperDir` (overlay storage) is the folder on the host that holds it. Only removing the container discards the layer (see `mmap-recreate`).",
  containers: { app: {} },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    {
      id: 'write',
      do: 'exec',
      container: 'app',
      cmd: ['mmap-write', ...path, '--size', '501'],
      why: 'size the file with ftruncate, map it, store a..z, msync',
    },
    { id: 'read-before', do: 'exec', container: 'app', cmd: ['mmap-read', ...path] },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app', why: RESTART_WHY },
    { id: 'read-after', do: 'exec', container: 'app', cmd: ['mmap-read', ...path], why: 'is the data still there?' },
    { id: 'changes', do: 'diff', container: 'app', evidence: true, why: "the engine's list of the container's changes" },
    { id: 'where', do: 'inspect', container: 'app', why: "where the engine keeps the container's files on the host" },
  ],
  expect: [
    { step: 'write', means: 'the writer maps and writes the file', exitCode: EXIT.ok },
    { step: 'read-before', means: 'the data is there while the container runs', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'read-after', means: 'the data is still there after the restart', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'changes', means: 'the engine lists shm.txt as added to the container', stdout: /^A \/shm\.txt$/m },
  ],
  expectOn: {
    cri: {
      why: `${KUBELET_RESTART}, with a new writable layer: the file written in the old layer is expected to be gone. CRI has no \`diff\`, so that evidence is not taken.`,
      expect: [
        {
          step: 'read-after',
          means: "after the restart the file is gone: the new container's writable layer does not have it",
          exitCode: EXIT.lookup,
          stderr: /open: ENOENT/,
        },
      ],
      drop: ['changes'],
    },
  },
  observe: (steps) => {
    const outcome = dataOutcome(steps.get('write'), steps.get('read-after'));
    // The engine's own list of the container's changes names the file: it is in the writable layer.
    return `${outcome}${outcome === 'kept' && listsFile(steps.get('changes')) ? ' (in the writable layer)' : ''}`;
  },
  brief: (steps) => outcomeWord(dataOutcome(steps.get('write'), steps.get('read-after'))),
  whenDiffers: (steps) => {
    const [write, after, changes] = ['write', 'read-after', 'changes'].map((id) => steps.get(id));
    const lost = lostWith(write, after);
    return sentences(
      failure(write) && `The writer failed (${failure(write)}): the file was never written, so nothing about its lifetime was seen.`,
      lost &&
        `The file was gone after the restart (${lost}): with this engine and runtime a file the container wrote outside its volumes did not outlive a restart; put it on a volume.`,
      keptBy(write, after) && "The file was still there after the restart: this engine's restart kept the container's writable layer, where the file lives.",
      ran(changes) &&
        !listsFile(changes) &&
        `The engine's list of the container's changes does not name /shm.txt (it listed ${JSON.stringify(changes.stdout.trim())}).`,
    );
  },
  survival: [{ kind: 'mmap-layer', operation: 'restart', step: 'read-after', written: 'write' }],
};
