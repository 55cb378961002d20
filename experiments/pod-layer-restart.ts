import type { Experiment } from '../src/model/experiment.js';
import { ALPHABET, dataOutcome, EXIT, failure, keptBy, lostWith, sentences } from '../src/model/experiment-kit.js';
import { labelled, outcomeWord, together, unseen } from './brief-kit.js';
import { MIB, ONLY_IN_PODS } from './pod-kit.js';

const LAYER = ['--path', '/shm.txt'];
const EMPTYDIR = ['--path', '/data/shm.txt'];
const MEMORY = ['--path', '/memory/shm.txt'];

export const podLayerRestart: Experiment = {
  ...ONLY_IN_PODS,
  slug: 'pod-layer-restart',
  title: "A mapped file in the container's writable layer, in an emptyDir and in an emptyDir in memory, across a container restart in the pod",
  source: "the blog's mmap experiment, asked of a pod",
  blogSaw: 'the file in the writable layer survived `docker stop` + `docker start`',
  expectedToday:
    'the file in the writable layer is lost at a restart (a new container, attempt + 1, with a new layer); in an `emptyDir`, on disk or in memory, it is kept: the runtime mounts the same folder into the new container',
  explanation:
    "The blog's mapped file survived a restart because Docker restarts the same container, with the same writable layer. On a Kubernetes node a restart is a new container (attempt + 1) in the same pod sandbox, created from the image with a new, empty writable layer, so the file is gone. An `emptyDir` is a folder of the pod on the node: here shmlab makes it, in the kubelet's place (for `medium: Memory` it mounts a tmpfs of the `sizeLimit` on it), and passes it to the runtime as a mount of each container; the runtime mounts the same folder into the new container, which finds the file. A new pod would get new, empty folders, but that is fixed by whoever makes them (the kubelet, here shmlab), not by the runtime: it is not asked here.",
  containers: {
    app: {
      volumes: [
        { volume: 'data', target: '/data' },
        { volume: 'memory', target: '/memory', medium: 'Memory', sizeBytes: 16 * MIB },
      ],
    },
  },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'write-layer', do: 'exec', container: 'app', cmd: ['mmap-write', ...LAYER], why: 'in the writable layer' },
    { id: 'write-emptydir', do: 'exec', container: 'app', cmd: ['mmap-write', ...EMPTYDIR], why: 'in the emptyDir' },
    { id: 'write-memory', do: 'exec', container: 'app', cmd: ['mmap-write', ...MEMORY], why: 'in the emptyDir in memory' },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app', why: 'as the kubelet restarts a container: a new one (attempt + 1), a new layer' },
    { id: 'layer-after-restart', do: 'exec', container: 'app', cmd: ['mmap-read', ...LAYER] },
    { id: 'emptydir-after-restart', do: 'exec', container: 'app', cmd: ['mmap-read', ...EMPTYDIR] },
    { id: 'memory-after-restart', do: 'exec', container: 'app', cmd: ['mmap-read', ...MEMORY] },
  ],
  expect: [
    { step: 'write-layer', means: 'the file is written in the layer', exitCode: EXIT.ok },
    { step: 'write-emptydir', means: 'and in the emptyDir', exitCode: EXIT.ok },
    { step: 'write-memory', means: 'and in the emptyDir in memory', exitCode: EXIT.ok },
    { step: 'layer-after-restart', means: 'the layer file is gone after the restart', exitCode: EXIT.lookup, stderr: /open: ENOENT/ },
    { step: 'emptydir-after-restart', means: 'the emptyDir file is kept', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'memory-after-restart', means: 'so is the one in memory', exitCode: EXIT.ok, stdout: ALPHABET },
  ],
  observe: (steps) => {
    const at = (write: string, read: string) => dataOutcome(steps.get(write), steps.get(read));
    return `restart: layer ${at('write-layer', 'layer-after-restart')}, emptyDir ${at('write-emptydir', 'emptydir-after-restart')}, in memory ${at('write-memory', 'memory-after-restart')}`;
  },
  // The layer's file, the row's question (`layer lost`), unless an emptyDir did not keep its own.
  brief: (steps) => {
    const at = (write: string, read: string) => outcomeWord(dataOutcome(steps.get(write), steps.get(read)));
    const [layer, emptyDir, memory] = [
      at('write-layer', 'layer-after-restart'),
      at('write-emptydir', 'emptydir-after-restart'),
      at('write-memory', 'memory-after-restart'),
    ];
    const all = together([layer, emptyDir, memory]);
    if (unseen(all)) return all;
    if (emptyDir !== 'kept') return labelled('volume', emptyDir);
    return memory !== 'kept' ? labelled('memory', memory) : labelled('layer', layer);
  },
  whenDiffers: (steps) => {
    const files = [
      { name: 'the writable layer', write: 'write-layer', restart: 'layer-after-restart' },
      { name: 'the emptyDir', write: 'write-emptydir', restart: 'emptydir-after-restart' },
      { name: 'the emptyDir in memory', write: 'write-memory', restart: 'memory-after-restart' },
    ].map((f) => ({ ...f, written: steps.get(f.write) }));
    const [layer, ...volumes] = files;
    const failed = files.filter((f) => failure(f.written));
    const lostAtRestart = volumes.filter((f) => lostWith(f.written, steps.get(f.restart)));
    return sentences(
      failed.length > 0 && `Writing the file failed in ${failed.map((f) => `${f.name} (${failure(f.written)})`).join(', ')}.`,
      keptBy(layer!.written, steps.get(layer!.restart)) &&
        "The file in the writable layer was still there in the new container (attempt + 1): this runtime gave it the old container's layer rather than a new one.",
      lostAtRestart.length > 0 &&
        `The file in ${lostAtRestart.map((f) => f.name).join(' and ')} was gone in the new container, though the folder shmlab made for the pod stayed: this runtime did not mount the pod's folder into the new container as it was asked.`,
    );
  },
  survival: [
    { kind: 'mmap-layer', operation: 'restart', step: 'layer-after-restart', written: 'write-layer' },
    { kind: 'mmap-volume', operation: 'restart', step: 'emptydir-after-restart', written: 'write-emptydir' },
    { kind: 'memory-volume', operation: 'restart', step: 'memory-after-restart', written: 'write-memory' },
  ],
};
