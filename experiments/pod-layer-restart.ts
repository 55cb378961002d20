import type { Experiment } from '../src/model/experiment.js';
import { ALPHABET, dataOutcome, EXIT, failure, keptBy, lostWith, sentences } from '../src/model/experiment-kit.js';
import { MIB, ONLY_IN_PODS } from './pod-kit.js';

const LAYER = ['--path', '/shm.txt'];
const EMPTYDIR = ['--path', '/data/shm.txt'];
const MEMORY = ['--path', '/memory/shm.txt'];

export const podLayerRestart: Experiment = {
  ...ONLY_IN_PODS,
  slug: 'pod-layer-restart',
  title: "A mapped file in the container's writable layer, in an emptyDir and in an emptyDir in memory, across a container restart and a new pod",
  source: "the blog's mmap experiment, asked of a pod",
  blogSaw: 'the file in the writable layer survived `docker stop` + `docker start`',
  expectedToday: "the file in the writable layer is lost at the kubelet's restart; in an `emptyDir`, on disk or in memory, it is kept, and lost with the pod",
  explanation:
    "The blog's mapped file survived a restart because Docker restarts the same container, with the same writable layer. The kubelet never restarts a container: it removes it and creates a new one (attempt + 1) from the image, with a new, empty writable layer, so the file is gone. An `emptyDir` belongs to the pod, not to the container: the new container mounts the same folder and finds the file. An `emptyDir` with `medium: Memory` is a tmpfs mounted on that folder: it too lives as long as the pod. A new pod gets new, empty ones.",
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
    { id: 'start', do: 'start', container: 'app', why: "the kubelet's restart: a new container, a new layer" },
    { id: 'layer-after-restart', do: 'exec', container: 'app', cmd: ['mmap-read', ...LAYER] },
    { id: 'emptydir-after-restart', do: 'exec', container: 'app', cmd: ['mmap-read', ...EMPTYDIR] },
    { id: 'memory-after-restart', do: 'exec', container: 'app', cmd: ['mmap-read', ...MEMORY] },
    { id: 'remove', do: 'remove', container: 'app', why: 'the pod goes with its last container' },
    { id: 'run-new', do: 'run', container: 'app', why: 'a new pod' },
    { id: 'emptydir-in-new-pod', do: 'exec', container: 'app', cmd: ['mmap-read', ...EMPTYDIR] },
    { id: 'memory-in-new-pod', do: 'exec', container: 'app', cmd: ['mmap-read', ...MEMORY] },
  ],
  expect: [
    { step: 'write-layer', means: 'the file is written in the layer', exitCode: EXIT.ok },
    { step: 'write-emptydir', means: 'and in the emptyDir', exitCode: EXIT.ok },
    { step: 'write-memory', means: 'and in the emptyDir in memory', exitCode: EXIT.ok },
    { step: 'layer-after-restart', means: 'the layer file is gone after the restart', exitCode: EXIT.lookup, stderr: /open: ENOENT/ },
    { step: 'emptydir-after-restart', means: 'the emptyDir file is kept', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'memory-after-restart', means: 'so is the one in memory', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'emptydir-in-new-pod', means: 'a new pod has a new, empty emptyDir', exitCode: EXIT.lookup, stderr: /open: ENOENT/ },
    { step: 'memory-in-new-pod', means: 'and a new, empty one in memory', exitCode: EXIT.lookup, stderr: /open: ENOENT/ },
  ],
  observe: (steps) => {
    const at = (write: string, read: string) => dataOutcome(steps.get(write), steps.get(read));
    return `restart: layer ${at('write-layer', 'layer-after-restart')}, emptyDir ${at('write-emptydir', 'emptydir-after-restart')}, in memory ${at('write-memory', 'memory-after-restart')}; new pod: emptyDir ${at('write-emptydir', 'emptydir-in-new-pod')}, in memory ${at('write-memory', 'memory-in-new-pod')}`;
  },
  whenDiffers: (steps) => {
    const files = [
      { name: 'the writable layer', write: 'write-layer', restart: 'layer-after-restart' },
      { name: 'the emptyDir', write: 'write-emptydir', restart: 'emptydir-after-restart', newPod: 'emptydir-in-new-pod' },
      { name: 'the emptyDir in memory', write: 'write-memory', restart: 'memory-after-restart', newPod: 'memory-in-new-pod' },
    ].map((f) => ({ ...f, written: steps.get(f.write) }));
    const [layer, ...volumes] = files;
    const failed = files.filter((f) => failure(f.written));
    const lostAtRestart = volumes.filter((f) => lostWith(f.written, steps.get(f.restart)));
    const keptInNewPod = volumes.filter((f) => f.newPod && keptBy(f.written, steps.get(f.newPod)));
    return sentences(
      failed.length > 0 && `Writing the file failed in ${failed.map((f) => `${f.name} (${failure(f.written)})`).join(', ')}.`,
      keptBy(layer!.written, steps.get(layer!.restart)) &&
        "The file in the writable layer was still there after the kubelet's restart: this runtime restarted the same container, with its layer, rather than a new one.",
      lostAtRestart.length > 0 &&
        `The file in ${lostAtRestart.map((f) => f.name).join(' and ')} was gone after the restart: this runtime's emptyDir does not outlive a container restart, so it cannot carry data across one.`,
      keptInNewPod.length > 0 &&
        `The file in ${keptInNewPod.map((f) => f.name).join(' and ')} was there in a new pod: this runtime's new pod reused the old pod's emptyDir.`,
    );
  },
  survival: [
    { kind: 'mmap-layer', operation: 'restart', step: 'layer-after-restart' },
    { kind: 'mmap-volume', operation: 'restart', step: 'emptydir-after-restart' },
    { kind: 'mmap-volume', operation: 'recreate', step: 'emptydir-in-new-pod' },
    { kind: 'memory-volume', operation: 'restart', step: 'memory-after-restart' },
    { kind: 'memory-volume', operation: 'recreate', step: 'memory-in-new-pod' },
  ],
};
