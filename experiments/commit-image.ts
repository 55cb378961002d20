import type { Experiment } from '../src/model/experiment.js';
import { ALPHABET, dataOutcome, EXIT, failure, keptBy, LAYER_FILE, lostWith, POSIX_OBJECT, SYSV_SEGMENT, sentences } from '../src/model/experiment-kit.js';
import { labelled, outcomeWord } from './brief-kit.js';

const [sysv, posix, file] = [SYSV_SEGMENT, POSIX_OBJECT, LAYER_FILE];

export const commitImage: Experiment = {
  slug: 'commit-image',
  title: 'Committing a container to an image: which shared memory goes with it',
  section: 'C',
  source: 'beyond the blog: carrying state into a new image',
  blogSaw: 'not tried',
  expectedToday: 'the mapped file is in the new image; the System V segment and the POSIX object are not',
  explanation:
    "`docker commit` turns the container's writable layer into an image layer: the mapped file, a file like any other in that layer, is in the new image. Kernel objects are not files of the layer: the System V segment lives in the IPC namespace and the POSIX object in the `/dev/shm` tmpfs, a separate mount, so a container of the new image has neither.",
  requires: ['commit'],
  containers: { app: {}, copy: { image: '@snapshot' } },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'write-sysv', do: 'exec', container: 'app', cmd: ['sysv-write', ...sysv] },
    { id: 'write-posix', do: 'exec', container: 'app', cmd: ['posix-write', ...posix] },
    { id: 'write-file', do: 'exec', container: 'app', cmd: ['mmap-write', ...file] },
    { id: 'commit', do: 'commit', container: 'app', as: 'snapshot' },
    { id: 'run-copy', do: 'run', container: 'copy', why: 'a container of the committed image' },
    { id: 'file-in-copy', do: 'exec', container: 'copy', cmd: ['mmap-read', ...file] },
    { id: 'sysv-in-copy', do: 'exec', container: 'copy', cmd: ['sysv-read', ...sysv] },
    { id: 'posix-in-copy', do: 'exec', container: 'copy', cmd: ['posix-read', ...posix] },
  ],
  expect: [
    { step: 'write-file', means: 'the file is written', exitCode: EXIT.ok },
    { step: 'file-in-copy', means: 'the mapped file is in the new image', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'sysv-in-copy', means: 'the System V segment is not', exitCode: EXIT.lookup, stderr: /shmget: ENOENT/ },
    { step: 'posix-in-copy', means: 'the POSIX object is not', exitCode: EXIT.lookup, stderr: /shm_open: ENOENT/ },
  ],
  observe: (steps) =>
    `file ${dataOutcome(steps.get('write-file'), steps.get('file-in-copy'))}; System V ${dataOutcome(steps.get('write-sysv'), steps.get('sysv-in-copy'))}`,
  // The file in the new image, the row's question, unless the System V segment went with it.
  brief: (steps) =>
    keptBy(steps.get('write-sysv'), steps.get('sysv-in-copy'))
      ? 'SysV kept'
      : labelled('file', outcomeWord(dataOutcome(steps.get('write-file'), steps.get('file-in-copy')))),
  whenDiffers: (steps) => {
    const [sysv, posix, file] = ['write-sysv', 'write-posix', 'write-file'].map((id) => steps.get(id));
    return sentences(
      failure(file) && `Writing the mapped file failed (${failure(file)}).`,
      lostWith(file, steps.get('file-in-copy')) &&
        `The mapped file was not in the committed image (${lostWith(file, steps.get('file-in-copy'))}): with this engine and runtime, what the container wrote did not reach the image the engine committed.`,
      keptBy(sysv, steps.get('sysv-in-copy')) &&
        "The System V segment was there in the container of the new image: an image layer holds no System V objects, so the new container sees the old one's IPC objects and does not start with an IPC namespace of its own.",
      keptBy(posix, steps.get('posix-in-copy')) &&
        "The POSIX object was there in the container of the new image: /dev/shm's files went into the image, or the containers share a /dev/shm.",
    );
  },
  survival: [
    { kind: 'mmap-layer', operation: 'commit', step: 'file-in-copy', written: 'write-file' },
    { kind: 'sysv-private', operation: 'commit', step: 'sysv-in-copy', written: 'write-sysv' },
    { kind: 'posix-shm', operation: 'commit', step: 'posix-in-copy', written: 'write-posix' },
  ],
};
