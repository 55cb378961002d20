import type { Experiment } from '../src/model/experiment.js';
import {
  ALPHABET,
  dataOutcome,
  EXIT,
  failure,
  keptBy,
  LAYER_FILE,
  lostWith,
  POSIX_OBJECT,
  ran,
  readOutcome,
  SYSV_SEGMENT,
  sentences,
  succeeded,
} from '../src/model/experiment-kit.js';
import { labelled, outcomeWord } from './brief-kit.js';
import { KUBELET_RESTART } from './pod-kit.js';

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
      why: `${KUBELET_RESTART}, also after a kill: the pod's IPC namespace and its \`/dev/shm\` are expected to survive the kill, the container's writable layer not.`,
      expect: [
        {
          step: 'sysv-after',
          means: "the System V segment survives: the pod's IPC namespace outlived the killed container",
          exitCode: EXIT.ok,
          stdout: ALPHABET,
        },
        { step: 'posix-after', means: "the POSIX object survives in the pod's /dev/shm", exitCode: EXIT.ok, stdout: ALPHABET },
        {
          step: 'file-after',
          means: 'the mapped file is gone: the restarted container has a new writable layer',
          exitCode: EXIT.lookup,
          stderr: /open: ENOENT/,
        },
      ],
    },
  },
  observe: (steps) =>
    `System V ${dataOutcome(steps.get('write-sysv'), steps.get('sysv-after'))}; file ${dataOutcome(steps.get('write-file'), steps.get('file-after'))}`,
  // System V and the file go opposite ways on Docker and in a pod: `SysV lost` (the file kept) or `SysV kept` (the file
  // lost); `both …` where they agree; the file's own word where its read found neither (unsynced data: `file changed`).
  brief: (steps) => {
    const sysv = outcomeWord(dataOutcome(steps.get('write-sysv'), steps.get('sysv-after')));
    const file = outcomeWord(dataOutcome(steps.get('write-file'), steps.get('file-after')));
    if (sysv === file) return labelled('both', sysv);
    return ['kept', 'lost'].includes(file) ? labelled('SysV', sysv) : labelled('file', file);
  },
  whenDiffers: (steps) => {
    const [sysv, posix, file, fileAfter] = ['write-sysv', 'write-posix', 'write-file', 'file-after'].map((id) => steps.get(id));
    const fileRead = readOutcome(fileAfter);
    return sentences(
      failure(file) && `Writing the mapped file failed (${failure(file)}).`,
      lostWith(file, fileAfter) &&
        `The mapped file was gone after the kill and start (${lostWith(file, fileAfter)}): with this engine and runtime a file the container wrote outside its volumes did not outlive a kill and start; put files that must survive a crash on a volume.`,
      succeeded(file) &&
        ran(fileAfter) &&
        fileRead.startsWith('changed') &&
        `The mapped file was there after the kill, but without the data written (${fileRead}): the stores that were never synced were lost with the process, so a program must \`msync\` what it needs to survive a crash.`,
      lostWith(sysv, steps.get('sysv-after')) &&
        `The System V segment was gone after the kill and start (${lostWith(sysv, steps.get('sysv-after'))}): the killed container's IPC namespace went with its processes.`,
      lostWith(posix, steps.get('posix-after')) &&
        `The POSIX object was gone after the kill and start (${lostWith(posix, steps.get('posix-after'))}): the container's /dev/shm went with its processes.`,
      keptBy(sysv, steps.get('sysv-after')) &&
        "The System V segment survived the kill: the IPC namespace outlived the killed container's processes, so a restarted program finds its old segments.",
      keptBy(posix, steps.get('posix-after')) && "The POSIX object survived the kill: the container's /dev/shm outlived its processes.",
    );
  },
  survival: [
    { kind: 'sysv-private', operation: 'kill', step: 'sysv-after', written: 'write-sysv' },
    { kind: 'posix-shm', operation: 'kill', step: 'posix-after', written: 'write-posix' },
    { kind: 'mmap-layer', operation: 'kill', step: 'file-after', written: 'write-file' },
  ],
};
