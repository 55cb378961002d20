import type { Experiment } from '../src/model/experiment.js';
import { ALPHABET, BLOG_KEY, dataOutcome, EXIT, failure, keptBy, lostWith, sentences } from '../src/model/experiment-kit.js';
import { labelled, outcomeWord } from './brief-kit.js';

const layer = ['--path', '/layer.bin'];
const volume = ['--path', '/data/shm.bin'];
const sysv = ['--key', BLOG_KEY];

export const mmapRecreate: Experiment = {
  slug: 'mmap-recreate',
  title: 'A mapped file in the writable layer and on a named volume, when the container is removed and created anew',
  section: 'C',
  source: 'beyond the blog: where to put a mapped file so that it outlives the container',
  blogSaw: 'not tried (the blog only restarted the same container)',
  expectedToday: 'writable layer: lost; named volume: survives (and both survive a restart)',
  explanation:
    "The writable layer belongs to one container: `docker rm` deletes it, and a new container from the same image starts from the image's files. A named volume is separate from any container: mounted again in the new container, it still holds the file. A System V segment is lost in both cases (it never outlives its container's processes).",
  containers: { app: { volumes: [{ volume: 'data', target: '/data' }] } },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'write-layer', do: 'exec', container: 'app', cmd: ['mmap-write', ...layer] },
    { id: 'write-volume', do: 'exec', container: 'app', cmd: ['mmap-write', ...volume] },
    { id: 'write-sysv', do: 'exec', container: 'app', cmd: ['sysv-write', ...sysv] },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app' },
    { id: 'volume-after-restart', do: 'exec', container: 'app', cmd: ['mmap-read', ...volume] },
    { id: 'remove', do: 'remove', container: 'app' },
    { id: 'run-new', do: 'run', container: 'app', why: 'a new container, same image, same volume (on CRI: a new pod)' },
    { id: 'layer-after-recreate', do: 'exec', container: 'app', cmd: ['mmap-read', ...layer] },
    {
      id: 'volume-after-recreate',
      do: 'exec',
      container: 'app',
      cmd: ['mmap-read', ...volume],
      skipOn: {
        cri: "a new pod's emptyDir is a new folder, which shmlab, in the kubelet's place, makes empty: its emptiness would be shmlab's doing, not the runtime's",
      },
    },
    { id: 'sysv-after-recreate', do: 'exec', container: 'app', cmd: ['sysv-read', ...sysv] },
  ],
  expect: [
    { step: 'write-layer', means: 'the file in the writable layer is written', exitCode: EXIT.ok },
    { step: 'write-volume', means: 'the file on the volume is written', exitCode: EXIT.ok },
    { step: 'volume-after-restart', means: 'the volume file survives a restart', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'layer-after-recreate', means: 'the writable-layer file is gone with the container', exitCode: EXIT.lookup, stderr: /open: ENOENT/ },
    { step: 'volume-after-recreate', means: 'the volume file survives', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'sysv-after-recreate', means: 'the System V segment is gone', exitCode: EXIT.lookup, stderr: /shmget: ENOENT/ },
  ],
  expectOn: {
    cri: {
      why: "A volume on CRI is an `emptyDir`, a folder of the pod that shmlab makes in the kubelet's place and the runtime mounts into the pod's containers: it is expected to survive a restart in the pod. Removing the container removes its pod, and the new container is a new pod: its writable layer is new, and its `emptyDir` is a new folder shmlab makes, so that read is not taken.",
      expect: [],
    },
  },
  observe: (steps) =>
    `layer: ${dataOutcome(steps.get('write-layer'), steps.get('layer-after-recreate'))}; volume: ${
      steps.get('volume-after-recreate')?.skipped
        ? `${dataOutcome(steps.get('write-volume'), steps.get('volume-after-restart'))} after restart`
        : dataOutcome(steps.get('write-volume'), steps.get('volume-after-recreate'))
    }`,
  // The file on the volume, the row's answer, unless the layer's file outlived the container. A pod skips the volume's
  // read in the new container: there the read after the restart tells, as observe says.
  brief: (steps) => {
    const layer = outcomeWord(dataOutcome(steps.get('write-layer'), steps.get('layer-after-recreate')));
    if (layer === 'kept') return 'layer kept';
    // Where the read after re-creation is not taken (a pod: the volume is read after a restart), the word says so.
    if (steps.get('volume-after-recreate')?.skipped)
      return labelled('restart', outcomeWord(dataOutcome(steps.get('write-volume'), steps.get('volume-after-restart'))));
    return labelled('volume', outcomeWord(dataOutcome(steps.get('write-volume'), steps.get('volume-after-recreate'))));
  },
  whenDiffers: (steps) => {
    const [layer, volume, sysv] = ['write-layer', 'write-volume', 'write-sysv'].map((id) => steps.get(id));
    const volumeRestart = lostWith(volume, steps.get('volume-after-restart'));
    const volumeRecreate = lostWith(volume, steps.get('volume-after-recreate'));
    return sentences(
      failure(layer) && `Writing the file in the writable layer failed (${failure(layer)}).`,
      failure(volume) && `Writing the file on the volume failed (${failure(volume)}).`,
      volumeRestart &&
        `The file on the volume was gone after a restart (${volumeRestart}): this engine's volume does not keep its files even across a restart; data that must last needs other storage.`,
      !volumeRestart &&
        volumeRecreate &&
        `The file on the volume was gone in the new container (${volumeRecreate}): this engine's volume goes with the container, so it does not carry data to a new container.`,
      keptBy(volume, steps.get('volume-after-recreate')) &&
        'The file on the volume was there in the new container: the volume outlived the container it was mounted in, so it carries data to the next one.',
      keptBy(layer, steps.get('layer-after-recreate')) &&
        "The writable-layer file was there in the new container: this engine's new container did not start from the image's files alone.",
      keptBy(sysv, steps.get('sysv-after-recreate')) && 'The System V segment was there in the new container: it outlived the container it was written in.',
    );
  },
  survival: [
    { kind: 'mmap-layer', operation: 'recreate', step: 'layer-after-recreate', written: 'write-layer' },
    { kind: 'mmap-volume', operation: 'restart', step: 'volume-after-restart', written: 'write-volume' },
    { kind: 'mmap-volume', operation: 'recreate', step: 'volume-after-recreate', written: 'write-volume' },
    { kind: 'sysv-private', operation: 'recreate', step: 'sysv-after-recreate', written: 'write-sysv' },
  ],
};
