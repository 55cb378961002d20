import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { ALPHABET, dataOutcome, EXIT, failure, keptBy, ran, sentences, succeeded, unobserved } from '../src/model/experiment-kit.js';
import { labelled, outcomeWord } from './brief-kit.js';
import { MIB, ONLY_IN_PODS } from './pod-kit.js';

const BIG = String(70 * 1000 * 1000);
const SIZE_LIMIT = 128 * MIB;
const SHM = ['--name', '/shmlab'];

/** The size of the tmpfs on /dev/shm ("131072k") as /proc/mounts shows it, or `no tmpfs`. */
function devShmSize(mounts: StepRecord | undefined): string {
  return unobserved(mounts) ?? mounts!.stdout.match(/^\S+ \/dev\/shm tmpfs \S*size=(\d+k)/m)?.[1] ?? 'no tmpfs';
}

/** The 70 MB write: `written`, ENOSPC or SIGBUS, `exit N`, `not run` or `engine error`. */
function bigWrite(record: StepRecord | undefined): string {
  return unobserved(record) ?? (succeeded(record) ? 'written' : (record!.stderr.match(/ENOSPC|SIGBUS/)?.[0] ?? `exit ${record!.exitCode}`));
}

export const podDevShmEmptydir: Experiment = {
  ...ONLY_IN_PODS,
  slug: 'pod-dev-shm-emptydir',
  title: 'The way around the 64 MiB /dev/shm of a pod: an emptyDir (medium: Memory) mounted on /dev/shm',
  source: 'Kubernetes users: the usual advice for "No space left on device" in /dev/shm (kubernetes #28272), tested',
  blogSaw: 'not tried (no pods then)',
  expectedToday:
    "a container that mounts an `emptyDir` with `medium: Memory` and a 128 MiB `sizeLimit` on `/dev/shm` has that tmpfs there and can write 70 MB into it; a container of the same pod that does not mount it keeps the pod's 64 MiB `/dev/shm` and does not see its objects; the objects survive a restart of the container",
  explanation:
    "Kubernetes has no field for the size of a pod's `/dev/shm` (kubernetes #28272): the runtime gives each sandbox one 64 MiB tmpfs. A container can have a bigger one by mounting an `emptyDir` with `medium: Memory` on `/dev/shm`: the kubelet mounts a tmpfs on the volume's folder (shmlab does it here, in its place, of the `sizeLimit`), and the runtime then leaves the sandbox's tmpfs out of that container (containerd: `isInCRIMounts(devShm, …)` in its container mounts), in that container only. The `emptyDir` is the pod's, not the container's: a restart of the container mounts the same tmpfs again, with what is in it.",
  containers: {
    app: { volumes: [{ volume: 'shm', target: '/dev/shm', medium: 'Memory', sizeBytes: SIZE_LIMIT }] },
    other: { ipc: 'container:app' },
  },
  steps: [
    { id: 'run', do: 'run', container: 'app', why: 'an emptyDir (medium: Memory, sizeLimit 128 MiB) mounted on /dev/shm' },
    { id: 'mounts', do: 'exec', container: 'app', cmd: ['cat', '/proc/mounts'], why: 'which tmpfs is its /dev/shm?' },
    { id: 'write-big', do: 'exec', container: 'app', cmd: ['fill', '--path', '/dev/shm/big', '--size', BIG], why: '70 MB: more than the usual 64 MiB' },
    { id: 'write-shm', do: 'exec', container: 'app', cmd: ['posix-write', ...SHM] },
    { id: 'run-other', do: 'run', container: 'other', why: 'a container of the same pod that does not mount it' },
    { id: 'other-mounts', do: 'exec', container: 'other', cmd: ['cat', '/proc/mounts'] },
    { id: 'other-reads', do: 'exec', container: 'other', cmd: ['posix-read', ...SHM], why: "is the app's object in its /dev/shm?" },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app', why: 'as the kubelet restarts a container: a new one (attempt + 1) in the same pod' },
    { id: 'shm-after-restart', do: 'exec', container: 'app', cmd: ['posix-read', ...SHM] },
    { id: 'big-after-restart', do: 'exec', container: 'app', cmd: ['ls', '-ln', '/dev/shm/big'] },
  ],
  expect: [
    { step: 'mounts', means: "the container's /dev/shm is the emptyDir's tmpfs, of its size limit", stdout: /^\S+ \/dev\/shm tmpfs \S*size=131072k/m },
    { step: 'write-big', means: '70 MB fit into it', exitCode: EXIT.ok },
    { step: 'write-shm', means: 'an object is created in it', exitCode: EXIT.ok },
    {
      step: 'other-mounts',
      means: "a container of the pod that does not mount it has the pod's 64 MiB /dev/shm",
      stdout: /^\S+ \/dev\/shm tmpfs \S*size=65536k/m,
    },
    { step: 'other-reads', means: "and does not see the emptyDir's objects", exitCode: EXIT.lookup, stderr: /shm_open: ENOENT/ },
    { step: 'shm-after-restart', means: 'the object survives a restart of the container', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'big-after-restart', means: 'so does the 70 MB file', exitCode: EXIT.ok, stdout: new RegExp(`\\s${BIG}\\s[^\\n]*/dev/shm/big\\n$`) },
  ],
  observe: (steps) => {
    const wrote = bigWrite(steps.get('write-big'));
    return `emptyDir on /dev/shm: ${devShmSize(steps.get('mounts'))}, 70 MB ${wrote}; other container: ${devShmSize(steps.get('other-mounts'))}; after restart: object ${dataOutcome(steps.get('write-shm'), steps.get('shm-after-restart'))}`;
  },
  // 70 MB into the emptyDir on /dev/shm (`written`, ENOSPC where it is not there); then its object after a restart.
  brief: (steps) => {
    const wrote = bigWrite(steps.get('write-big'));
    if (wrote !== 'written') return wrote;
    const object = outcomeWord(dataOutcome(steps.get('write-shm'), steps.get('shm-after-restart')));
    return object === 'kept' ? 'written' : labelled('restart', object);
  },
  whenDiffers: (steps) => {
    const size = devShmSize(steps.get('mounts'));
    const other = devShmSize(steps.get('other-mounts'));
    const big = steps.get('write-big');
    return sentences(
      ran(steps.get('mounts')) &&
        size !== '131072k' &&
        `The container that mounts the emptyDir on /dev/shm has ${size === 'no tmpfs' ? 'no tmpfs there' : `a tmpfs of ${size} there`}, not the emptyDir's 128 MiB: this runtime did not put the emptyDir on /dev/shm, so it is no way around the pod's /dev/shm size here.`,
      failure(big) && `Writing 70 MB into it failed (${failure(big)}).`,
      ran(steps.get('other-mounts')) &&
        other !== '65536k' &&
        `The container that does not mount it has ${other === 'no tmpfs' ? 'no tmpfs' : `a tmpfs of ${other}`} on /dev/shm, not the pod's 64 MiB.`,
      succeeded(steps.get('other-reads')) && "The other container read the emptyDir's object: the emptyDir reached a container that did not mount it.",
      ran(steps.get('shm-after-restart')) &&
        !keptBy(steps.get('write-shm'), steps.get('shm-after-restart')) &&
        'After the restart the object was gone: the restarted container did not get the same emptyDir.',
    );
  },
};
