import type { Experiment } from '../src/model/experiment.js';
import { ALPHABET, dataOutcome, EXIT, failure, LAYER_FILE, POSIX_OBJECT, ran, SYSV_SEGMENT, sentences } from '../src/model/experiment-kit.js';
import { labelled, outcomeWord } from './brief-kit.js';

const [sysv, posix, file] = [SYSV_SEGMENT, POSIX_OBJECT, LAYER_FILE];

export const pauseUnpause: Experiment = {
  slug: 'pause-unpause',
  title: 'Shared memory across `docker pause` and `docker unpause`',
  section: 'C',
  source: 'beyond the blog: the operation that stops a container without ending it',
  blogSaw: 'not tried',
  expectedToday: 'everything survives: the processes are frozen, not ended, so the namespaces and /dev/shm stay',
  explanation:
    "`pause` freezes every process of the container in its cgroup (the freezer); nothing exits, so the IPC namespace, its segments and the `/dev/shm` tmpfs stay exactly as they were. `unpause` thaws the processes. Pausing is how to stop a container's work without losing any of its shared memory.",
  requires: ['pause'],
  containers: { app: {} },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'write-sysv', do: 'exec', container: 'app', cmd: ['sysv-write', ...sysv] },
    { id: 'write-posix', do: 'exec', container: 'app', cmd: ['posix-write', ...posix] },
    { id: 'write-file', do: 'exec', container: 'app', cmd: ['mmap-write', ...file] },
    { id: 'pause', do: 'pause', container: 'app' },
    { id: 'paused', do: 'inspect', container: 'app' },
    { id: 'unpause', do: 'unpause', container: 'app' },
    { id: 'sysv-after', do: 'exec', container: 'app', cmd: ['sysv-read', ...sysv] },
    { id: 'posix-after', do: 'exec', container: 'app', cmd: ['posix-read', ...posix] },
    { id: 'file-after', do: 'exec', container: 'app', cmd: ['mmap-read', ...file] },
  ],
  expect: [
    { step: 'write-sysv', means: 'the segment is created', exitCode: EXIT.ok },
    { step: 'paused', means: 'the container is paused', state: 'paused' },
    { step: 'sysv-after', means: 'the System V segment survives', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'posix-after', means: 'the POSIX object survives', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'file-after', means: 'the mapped file survives', exitCode: EXIT.ok, stdout: ALPHABET },
  ],
  observe: (steps) =>
    `System V ${dataOutcome(steps.get('write-sysv'), steps.get('sysv-after'))}, POSIX ${dataOutcome(steps.get('write-posix'), steps.get('posix-after'))}`,
  // One word where System V and POSIX agree, else the one that was not kept.
  brief: (steps) => {
    const sysv = outcomeWord(dataOutcome(steps.get('write-sysv'), steps.get('sysv-after')));
    const posix = outcomeWord(dataOutcome(steps.get('write-posix'), steps.get('posix-after')));
    if (sysv === posix) return sysv;
    return sysv !== 'kept' ? labelled('SysV', sysv) : labelled('POSIX', posix);
  },
  whenDiffers: (steps) => {
    const paused = steps.get('paused');
    const kinds = [
      ['the System V segment', 'write-sysv', 'sysv-after'],
      ['the POSIX object', 'write-posix', 'posix-after'],
      ['the mapped file', 'write-file', 'file-after'],
    ] as const;
    const notKept = kinds.map(([name, w, r]) => [name, dataOutcome(steps.get(w), steps.get(r))] as const).filter(([, o]) => o !== 'kept');
    const writes = kinds.filter(([, w]) => failure(steps.get(w)));
    return sentences(
      ran(paused) &&
        paused.state !== 'paused' &&
        `The container was not paused (its state: ${paused.state ?? 'unknown'}), so this run says nothing about pausing.`,
      writes.length > 0 && `The writers failed: ${writes.map(([name, w]) => `${name} (${failure(steps.get(w))})`).join(', ')}.`,
      notKept.some(([, o]) => o.startsWith('lost')) &&
        `After pause and unpause ${notKept
          .filter(([, o]) => o.startsWith('lost'))
          .map(([name, o]) => `${name} was ${o}`)
          .join(', ')}: on this engine pausing a container does not keep its shared memory, so pause is no way to stop its work without losing it.`,
    );
  },
  survival: [
    { kind: 'sysv-private', operation: 'pause', step: 'sysv-after', written: 'write-sysv' },
    { kind: 'posix-shm', operation: 'pause', step: 'posix-after', written: 'write-posix' },
    { kind: 'mmap-layer', operation: 'pause', step: 'file-after', written: 'write-file' },
  ],
};
