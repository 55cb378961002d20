import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { ALPHABET, dataOutcome, EXIT, ran, sentences, succeeded, unobserved } from '../src/model/experiment-kit.js';
import { MIB, ONLY_IN_PODS } from './pod-kit.js';

/** The size of the tmpfs mounted on target ("65536k"), as /proc/mounts shows it, or `no tmpfs`. */
function tmpfsSize(mounts: StepRecord, target: string): string {
  return mounts.stdout.match(new RegExp(`^\\S+ ${target} tmpfs \\S*size=(\\d+k)`, 'm'))?.[1] ?? 'no tmpfs';
}

// More than the pod's 64 MiB /dev/shm, less than the emptyDir's 128 MiB.
const BIG = String(70 * 1000 * 1000);
const MEMORY_LIMIT = 128 * MIB;

/** The 70 MB write into /dev/shm: `written`, ENOSPC or SIGBUS, `exit N`, `not run` or `engine error`. */
function pastOutcome(record: StepRecord | undefined): string {
  return unobserved(record) ?? (succeeded(record) ? 'written' : (record!.stderr.match(/ENOSPC|SIGBUS/)?.[0] ?? `exit ${record!.exitCode}`));
}

export const podDevShm: Experiment = {
  ...ONLY_IN_PODS,
  slug: 'pod-dev-shm',
  title: "The pod's /dev/shm: one 64 MiB tmpfs for all its containers, and an emptyDir in memory mounted on /dev/shm instead",
  source:
    'Kubernetes users: PyTorch\'s DataLoader dying with "Bus error" in a pod (pytorch #5040, #16979); the pod shm-size request open since 2016 (kubernetes #28272)',
  blogSaw: 'not tried (no pods then)',
  expectedToday:
    '`/dev/shm` is a 64 MiB tmpfs of the pod, shared by its containers; writing 70 MB into it fails (ENOSPC for write(2), SIGBUS for a mapping); a container of the pod with an `emptyDir` (`medium: Memory`, 128 MiB) mounted on `/dev/shm` gets that tmpfs there instead, for itself only, and the same write succeeds',
  explanation:
    "The runtime gives each pod sandbox one tmpfs for `/dev/shm` and bind-mounts it into every container of the pod. Kubernetes has no field to size it (kubernetes #28272), so 64 MiB is the limit for every program of the pod together: programs that keep data in `/dev/shm` (a data loader's workers, as in the reports cited above) fail once it is full, with ENOSPC from `write` or SIGBUS when a mapped page cannot be backed. The way around it is an `emptyDir` with `medium: Memory` and a `sizeLimit`, mounted on `/dev/shm`: a tmpfs of the pod's, which here shmlab mounts on the pod's folder in the kubelet's place, and which the runtime mounts on `/dev/shm` instead of the sandbox's tmpfs, in the containers that ask for it only.",
  containers: {
    app: {},
    sidecar: { ipc: 'container:app' },
    big: { ipc: 'container:app', volumes: [{ volume: 'shm', target: '/dev/shm', medium: 'Memory', sizeBytes: MEMORY_LIMIT }] },
  },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'mounts', do: 'exec', container: 'app', cmd: ['cat', '/proc/mounts'], why: "the container's view of /dev/shm" },
    { id: 'write-shm', do: 'exec', container: 'app', cmd: ['posix-write', '--name', '/shmlab'] },
    { id: 'run-sidecar', do: 'run', container: 'sidecar', why: 'a second container of the same pod' },
    { id: 'sidecar-reads', do: 'exec', container: 'sidecar', cmd: ['posix-read', '--name', '/shmlab'], why: "the sidecar's /dev/shm is the same tmpfs" },
    { id: 'past-dev-shm', do: 'exec', container: 'app', cmd: ['fill', '--path', '/dev/shm/big', '--size', BIG], why: '70 MB into the 64 MiB /dev/shm' },
    { id: 'free-dev-shm', do: 'exec', container: 'app', cmd: ['sh', '-c', 'rm -f /dev/shm/big'] },
    { id: 'run-big', do: 'run', container: 'big', why: 'a third container of the pod, with an emptyDir (medium: Memory, 128 MiB) mounted on /dev/shm' },
    { id: 'big-mounts', do: 'exec', container: 'big', cmd: ['cat', '/proc/mounts'], why: 'which tmpfs is its /dev/shm?' },
    { id: 'big-reads-pod-shm', do: 'exec', container: 'big', cmd: ['posix-read', '--name', '/shmlab'], why: "is the pod's /dev/shm object there?" },
  ],
  expect: [
    { step: 'mounts', means: "/dev/shm is the pod's 64 MiB tmpfs", stdout: /^\S+ \/dev\/shm tmpfs \S*size=65536k/m },
    { step: 'write-shm', means: 'an object is created in /dev/shm', exitCode: EXIT.ok },
    { step: 'sidecar-reads', means: "the sidecar reads it: one /dev/shm for the pod's containers", exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'past-dev-shm', means: 'writing past 64 MiB fails', exitCode: 'non-zero', stderr: /ENOSPC|SIGBUS/ },
    { step: 'big-mounts', means: "the container's /dev/shm is the emptyDir's tmpfs, of its size limit", stdout: /^\S+ \/dev\/shm tmpfs \S*size=131072k/m },
    { step: 'big-reads-pod-shm', means: "the pod's /dev/shm is not there in that container", exitCode: EXIT.lookup, stderr: /shm_open: ENOENT/ },
  ],
  observe: (steps) => {
    const size = (id: string) => unobserved(steps.get(id)) ?? tmpfsSize(steps.get(id)!, '/dev/shm');
    const sidecar = dataOutcome(steps.get('write-shm'), steps.get('sidecar-reads'));
    return `/dev/shm ${size('mounts')}, sidecar ${sidecar === 'kept' ? 'shares it' : sidecar}; 70 MB into it: ${pastOutcome(steps.get('past-dev-shm'))}; emptyDir on /dev/shm: ${size('big-mounts')}`;
  },
  // 70 MB into the pod's /dev/shm: ENOSPC (or SIGBUS) where it is the 64 MiB tmpfs, `written` where it is larger.
  brief: (steps) => pastOutcome(steps.get('past-dev-shm')),
  whenDiffers: (steps) => {
    const mounts = steps.get('mounts');
    const shm = ran(mounts) ? tmpfsSize(mounts, '/dev/shm') : undefined;
    const bigMounts = steps.get('big-mounts');
    const big = ran(bigMounts) ? tmpfsSize(bigMounts, '/dev/shm') : undefined;
    const sidecar = dataOutcome(steps.get('write-shm'), steps.get('sidecar-reads'));
    const past = steps.get('past-dev-shm');
    return sentences(
      shm &&
        shm !== '65536k' &&
        `The pod's /dev/shm is ${shm === 'no tmpfs' ? 'no tmpfs' : `a tmpfs of ${shm}`}, not the runtime's usual 64 MiB (65536k): check the size inside the pod before relying on it.`,
      ran(steps.get('sidecar-reads')) &&
        sidecar !== 'kept' &&
        `The sidecar did not read the object (${sidecar}): this runtime does not give the pod's containers one /dev/shm.`,
      succeeded(past) && "70 MB fit into the pod's /dev/shm: it is larger than 64 MiB on this runtime.",
      big &&
        big !== '131072k' &&
        `In the container that mounts an emptyDir (medium: Memory, 128 MiB) on /dev/shm, /dev/shm is ${big === 'no tmpfs' ? 'no tmpfs' : `a tmpfs of ${big}`}: this runtime ${big === shm ? "kept the pod's own /dev/shm there, so the emptyDir is no way around its size" : 'did not mount the emptyDir there as asked'}.`,
      succeeded(steps.get('big-reads-pod-shm')) &&
        "The pod's /dev/shm object was there in the container that mounts its own /dev/shm: that container still shares the pod's tmpfs.",
    );
  },
};
