import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { ALPHABET, dataOutcome, EXIT, failure, ran, sentences, succeeded, unobserved } from '../src/model/experiment-kit.js';
import { MIB, ONLY_IN_PODS } from './pod-kit.js';

/** The size of the tmpfs mounted on target ("65536k"), as /proc/mounts shows it, or `no tmpfs`. */
function tmpfsSize(mounts: StepRecord, target: string): string {
  return mounts.stdout.match(new RegExp(`^\\S+ ${target} tmpfs \\S*size=(\\d+k)`, 'm'))?.[1] ?? 'no tmpfs';
}

// More than the pod's 64 MiB /dev/shm, less than the emptyDir's 128 MiB.
const BIG = String(70 * 1000 * 1000);
const MEMORY_LIMIT = 128 * MIB;

export const podDevShm: Experiment = {
  ...ONLY_IN_PODS,
  slug: 'pod-dev-shm',
  title: "The pod's /dev/shm: one 64 MiB tmpfs for all its containers, and an emptyDir in memory for more",
  source:
    'Kubernetes users: PyTorch\'s DataLoader dying with "Bus error" in a pod (pytorch #5040, #16979); the pod shm-size request open since 2016 (kubernetes #28272)',
  blogSaw: 'not tried (no pods then)',
  expectedToday:
    '`/dev/shm` is a 64 MiB tmpfs of the pod, shared by its containers; writing 70 MB into it fails (ENOSPC for write(2), SIGBUS for a mapping); the same write into an `emptyDir` with `medium: Memory` and a 128 MiB size limit succeeds',
  explanation:
    "The runtime gives each pod sandbox one tmpfs for `/dev/shm` (containerd: `…/sandboxes/<id>/shm`, `size=65536k`) and bind-mounts it into every container of the pod. Kubernetes has no field to size it (kubernetes #28272), so 64 MiB is the limit for every program of the pod together: a data loader's workers, a browser's renderers or PostgreSQL's dynamic shared memory fail once it is full, with ENOSPC from `write` or SIGBUS when a mapped page cannot be backed. The workaround is an `emptyDir` with `medium: Memory`: a tmpfs the kubelet mounts with the `sizeLimit` given, which can be mounted on `/dev/shm` itself. Its pages count against the pod's memory limit.",
  containers: {
    app: { volumes: [{ volume: 'memory', target: '/memory', medium: 'Memory', sizeBytes: MEMORY_LIMIT }] },
    sidecar: { ipc: 'container:app' },
  },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'mounts', do: 'exec', container: 'app', cmd: ['cat', '/proc/mounts'], why: "the container's view of /dev/shm and of the emptyDir" },
    { id: 'write-shm', do: 'exec', container: 'app', cmd: ['posix-write', '--name', '/shmlab'] },
    { id: 'run-sidecar', do: 'run', container: 'sidecar', why: 'a second container of the same pod' },
    { id: 'sidecar-reads', do: 'exec', container: 'sidecar', cmd: ['posix-read', '--name', '/shmlab'], why: "the sidecar's /dev/shm is the same tmpfs" },
    { id: 'past-dev-shm', do: 'exec', container: 'app', cmd: ['fill', '--path', '/dev/shm/big', '--size', BIG], why: '70 MB into the 64 MiB /dev/shm' },
    { id: 'free-dev-shm', do: 'exec', container: 'app', cmd: ['sh', '-c', 'rm -f /dev/shm/big'] },
    {
      id: 'into-memory-volume',
      do: 'exec',
      container: 'app',
      cmd: ['fill', '--path', '/memory/big', '--size', BIG],
      why: '70 MB into the 128 MiB emptyDir (medium: Memory)',
    },
  ],
  expect: [
    { step: 'mounts', means: "/dev/shm is the pod's 64 MiB tmpfs", stdout: /^\S+ \/dev\/shm tmpfs \S*size=65536k/m },
    { step: 'mounts', means: 'the emptyDir is a tmpfs of its size limit', stdout: /^\S+ \/memory tmpfs \S*size=131072k/m },
    { step: 'write-shm', means: 'an object is created in /dev/shm', exitCode: EXIT.ok },
    { step: 'sidecar-reads', means: "the sidecar reads it: one /dev/shm for the pod's containers", exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'past-dev-shm', means: 'writing past 64 MiB fails', exitCode: 'non-zero', stderr: /ENOSPC|SIGBUS/ },
    { step: 'into-memory-volume', means: 'the same write into the emptyDir in memory succeeds', exitCode: EXIT.ok },
  ],
  observe: (steps) => {
    const mounts = steps.get('mounts');
    const size = (target: string) => unobserved(mounts) ?? tmpfsSize(mounts!, target);
    const past = steps.get('past-dev-shm');
    const how = unobserved(past) ?? (succeeded(past) ? 'written' : (past!.stderr.match(/ENOSPC|SIGBUS/)?.[0] ?? `exit ${past!.exitCode}`));
    const memory = steps.get('into-memory-volume');
    const sidecar = dataOutcome(steps.get('write-shm'), steps.get('sidecar-reads'));
    const memorySize = ran(mounts) ? `medium: Memory, ${size('/memory')}` : 'medium: Memory';
    return `/dev/shm ${size('/dev/shm')}, sidecar ${sidecar === 'kept' ? 'shares it' : sidecar}; 70 MB into it: ${how}; into emptyDir (${memorySize}): ${unobserved(memory) ?? (succeeded(memory) ? 'written' : `failed (${failure(memory)})`)}`;
  },
  whenDiffers: (steps) => {
    const mounts = steps.get('mounts');
    const shm = ran(mounts) ? tmpfsSize(mounts, '/dev/shm') : undefined;
    const memory = ran(mounts) ? tmpfsSize(mounts, '/memory') : undefined;
    const sidecar = dataOutcome(steps.get('write-shm'), steps.get('sidecar-reads'));
    const past = steps.get('past-dev-shm');
    return sentences(
      shm &&
        shm !== '65536k' &&
        `The pod's /dev/shm is ${shm === 'no tmpfs' ? 'no tmpfs' : `a tmpfs of ${shm}`}, not the runtime's usual 64 MiB (65536k): check the size inside the pod before relying on it.`,
      memory &&
        memory !== '131072k' &&
        `The emptyDir in memory is ${memory === 'no tmpfs' ? 'no tmpfs' : `a tmpfs of ${memory}`}, not the 128 MiB size limit asked for.`,
      ran(steps.get('sidecar-reads')) &&
        sidecar !== 'kept' &&
        `The sidecar did not read the object (${sidecar}): this runtime does not give the pod's containers one /dev/shm.`,
      succeeded(past) && "70 MB fit into the pod's /dev/shm: it is larger than 64 MiB on this runtime.",
      failure(steps.get('into-memory-volume')) &&
        `The same 70 MB into the emptyDir in memory failed too (${failure(steps.get('into-memory-volume'))}): the emptyDir is no way around the /dev/shm limit here.`,
    );
  },
};
