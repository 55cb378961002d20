import type { Experiment, StepRecord } from '../src/model/experiment.js';
import {
  BLOG_KEY,
  EXIT,
  errnoOf,
  KERNEL_DEFAULT_SHMMAX,
  numberIn,
  OLD_SHMMAX,
  ran,
  refusalOutcome,
  SHMMAX,
  sentences,
  succeeded,
  unobserved,
  valueRead,
} from '../src/model/experiment-kit.js';
import { outcomeWord } from './brief-kit.js';
import { engineSysctls, runtimeJoinedNamespace, told } from './internals.js';
import { ipcSysctlInJoinedNamespace, refusedWith } from './refusals.js';

const read = ['cat', SHMMAX];
/** A 64 MiB segment, twice the limit the sidecar asks for; marked for removal at once, so nothing is left. */
const BIG = ['sysv-write', '--key', BLOG_KEY, '--size', String(64 * 1024 * 1024), '--remove'];

/** The limit a `cat` read, in words. */
function limit(record: StepRecord | undefined): string {
  const value = numberIn(record);
  if (value === KERNEL_DEFAULT_SHMMAX) return 'the default';
  if (value === OLD_SHMMAX) return '32 MiB';
  return valueRead(record);
}

/** The 64 MiB segment: allowed, refused (errno), or why there is no answer. */
function segment(record: StepRecord | undefined): string {
  return unobserved(record) ?? (succeeded(record) ? 'allowed' : `refused (${errnoOf(record) ?? `exit ${record!.exitCode}`})`);
}

export const sysctlJoinedNamespace: Experiment = {
  slug: 'sysctl-joined-namespace',
  title: "An IPC sysctl on a container that joins another's IPC namespace (`--ipc=container:A --sysctl kernel.shmmax=…`)",
  section: 'C',
  source: "beyond the blog: can a sidecar change the main container's kernel limits?",
  blogSaw: 'no `--sysctl` then',
  expectedToday:
    "accepted: B's sysctl is written into A's namespace, so A's `kernel.shmmax` becomes 32 MiB, A's next 64 MiB segment fails with EINVAL, and the limit stays after B is gone",
  explanation:
    "A sysctl of the IPC namespace is written into whatever IPC namespace the container ends up in. The engine gives B an IPC namespace entry with A's path (`/proc/<A's pid>/ns/ipc`) and passes B's sysctls on; the runtime asks only whether the spec has an IPC namespace, not whose it is, and writes the sysctls after joining it. So B is started, and B's value replaces A's: one namespace, one `kernel.shmmax`. For a user: any container allowed to join another's IPC namespace (a sidecar) can change the limits the main container lives by, without privilege and without the main container being restarted, and the change outlives the sidecar, since it belongs to the namespace. Here the sidecar's 32 MiB makes the main container's next 64 MiB `shmget` fail with EINVAL, the blog's old error.",
  internals: (s) => told(engineSysctls(s), runtimeJoinedNamespace(s)),
  requires: ['container-sysctls'],
  containers: {
    main: { ipc: 'shareable' },
    sidecar: { ipc: 'container:main', sysctls: { 'kernel.shmmax': OLD_SHMMAX } },
  },
  // After the sidecar's run only the main container is looked at: were the sidecar refused (a created container that
  // never started), every later step still runs, and the verdict says how the engine differs.
  steps: [
    { id: 'run-main', do: 'run', container: 'main' },
    { id: 'main-before', do: 'exec', container: 'main', cmd: read, why: "the main container's limit before the sidecar" },
    { id: 'big-before', do: 'exec', container: 'main', cmd: BIG, why: 'a 64 MiB segment under the default limit' },
    {
      id: 'run-sidecar',
      do: 'run',
      container: 'sidecar',
      mayBeRefused: refusedWith(ipcSysctlInJoinedNamespace('kernel.shmmax')),
      why: "joins main's IPC namespace and asks for kernel.shmmax=32 MiB",
    },
    { id: 'main-after', do: 'exec', container: 'main', cmd: read, why: "has the sidecar changed the main container's limit?" },
    { id: 'big-after', do: 'exec', container: 'main', cmd: BIG, why: 'the same 64 MiB segment, in the main container' },
    { id: 'remove-sidecar', do: 'remove', container: 'sidecar' },
    { id: 'main-without-sidecar', do: 'exec', container: 'main', cmd: read, why: 'the sidecar is gone' },
  ],
  expect: [
    { step: 'main-before', means: "the main container starts with the kernel's default", stdout: `${KERNEL_DEFAULT_SHMMAX}\n` },
    { step: 'big-before', means: 'a 64 MiB segment is allowed', exitCode: EXIT.ok },
    { step: 'run-sidecar', means: 'the sidecar with the sysctl is accepted: the runtime only checks that it has an IPC namespace', refused: false },
    { step: 'main-after', means: "the main container's limit is now the sidecar's: they share one namespace", stdout: `${OLD_SHMMAX}\n` },
    { step: 'big-after', means: "the main container's 64 MiB segment now fails", exitCode: EXIT.lookup, stderr: /shmget: EINVAL/ },
    { step: 'main-without-sidecar', means: 'the limit outlives the sidecar: it belongs to the namespace', stdout: `${OLD_SHMMAX}\n` },
  ],
  observe: (steps) => {
    const [before, after, without] = ['main-before', 'main-after', 'main-without-sidecar'].map((id) => steps.get(id));
    const sidecar = `sidecar ${refusalOutcome(steps.get('run-sidecar'))}`;
    const big = `64 MiB segment ${segment(steps.get('big-after'))}`;
    // Three reads of one value: said once.
    const read = [before, after, without].map(numberIn);
    if (read.every((v) => v !== undefined && v === read[0])) return `${sidecar}; main's limit ${limit(before)} throughout, ${big}`;
    return `${sidecar}; main's limit: ${limit(before)} → ${limit(after)}, ${big}; after the sidecar: ${limit(without)}`;
  },
  // The main container's 64 MiB segment after the sidecar's sysctl: EINVAL where the sidecar's limit reached it,
  // `allowed` where not; the sidecar's refusal where it was refused.
  brief: (steps) => {
    const sidecar = refusalOutcome(steps.get('run-sidecar'));
    if (sidecar !== 'accepted') return outcomeWord(sidecar);
    const big = steps.get('big-after');
    if (!ran(big)) return unobserved(big) ?? 'not run';
    return big.exitCode === EXIT.ok ? 'allowed' : (errnoOf(big) ?? `exit ${big.exitCode}`);
  },
  whenDiffers: (steps) => {
    const [before, sidecar, after, big, without] = ['main-before', 'run-sidecar', 'main-after', 'big-after', 'main-without-sidecar'].map((id) => steps.get(id));
    const accepted = refusalOutcome(sidecar) === 'accepted';
    const unchanged = numberIn(after) !== undefined && numberIn(after) === numberIn(before);
    return sentences(
      accepted &&
        unchanged &&
        `The sidecar with \`--sysctl kernel.shmmax=${OLD_SHMMAX}\` was accepted, but the main container's limit stayed ${numberIn(after)}${succeeded(big) ? ' and its 64 MiB segment was created' : ''}: on this engine a sidecar's sysctl does not reach the namespace it joins (it is ignored, or the two containers do not share one IPC namespace), so it cannot change the main container's limits.`,
      refusalOutcome(sidecar) === 'refused' &&
        `The sidecar was refused (${JSON.stringify(sidecar!.stderr.trim())}): this engine does not let a container that joins another's IPC namespace set that namespace's sysctls, so the main container's limits are safe from its sidecars.`,
      numberIn(after) === OLD_SHMMAX &&
        numberIn(without) !== undefined &&
        numberIn(without) !== OLD_SHMMAX &&
        `Once the sidecar was gone the main container read ${numberIn(without)} again: the limit did not outlive the sidecar.`,
      numberIn(after) === OLD_SHMMAX && succeeded(big) && "The main container read the sidecar's 32 MiB limit, yet its 64 MiB segment was created.",
    );
  },
};
