import type { Experiment, StepRecord } from '../src/model/experiment.js';
import {
  EXIT,
  errnoOf,
  failure,
  ignoredSysctl,
  KERNEL_DEFAULT_SHMMAX,
  numberIn,
  OLD_SHMMAX,
  ran,
  SHMMAX,
  sentences,
  succeeded,
  unobserved,
  valueRead,
} from '../src/model/experiment-kit.js';

const MIB_64 = String(64 * 1024 * 1024);

/** What became of the 64 MiB shmget: its errno, `created`, or why there is no answer. */
function bigSegment(record: StepRecord | undefined): string {
  return unobserved(record) ?? (succeeded(record) ? 'created' : (errnoOf(record) ?? `exit ${record!.exitCode}`));
}

export const shmgetEinval: Experiment = {
  slug: 'shmget-einval',
  title: 'shmget asks for more than kernel.shmmax: EINVAL',
  section: 'B',
  source: '探讨Docker容器中修改系统变量的方法 (changing kernel parameters in a container), the EINVAL that started it',
  blogSaw: "`shmget` → EINVAL; the container's `kernel.shmmax` was 33554432 (32 MiB, the old kernel default)",
  expectedToday: `the default is now ${KERNEL_DEFAULT_SHMMAX}; with \`kernel.shmmax=${OLD_SHMMAX}\` set for the container, a 64 MiB \`shmget\` fails with EINVAL and one of 32 MiB succeeds`,
  explanation: `\`shmget\` refuses a new segment larger than \`kernel.shmmax\` with EINVAL (shmget(2)). Since Linux 3.16 the compiled-in default is ULONG_MAX − 2^24 = ${KERNEL_DEFAULT_SHMMAX}, so the blog's failure no longer happens by default; the harness sets the old 32 MiB limit for the container (for its pod, on Kubernetes) (an IPC-namespaced sysctl, allowed unprivileged) to reproduce it. A segment of exactly the limit is created, which shows the EINVAL comes from the limit and not from anything else.`,
  containers: { fresh: {}, limited: { sysctls: { 'kernel.shmmax': OLD_SHMMAX } } },
  steps: [
    { id: 'run-fresh', do: 'run', container: 'fresh' },
    { id: 'default', do: 'exec', container: 'fresh', cmd: ['cat', SHMMAX], why: "a new IPC namespace's default" },
    { id: 'run-limited', do: 'run', container: 'limited' },
    { id: 'limit', do: 'exec', container: 'limited', cmd: ['cat', SHMMAX] },
    { id: 'too-big', do: 'exec', container: 'limited', cmd: ['sysv-write', '--key', '5678', '--size', MIB_64], why: '64 MiB, over the limit' },
    { id: 'at-limit', do: 'exec', container: 'limited', cmd: ['sysv-write', '--key', '5679', '--size', OLD_SHMMAX, '--remove'], why: 'exactly the limit' },
  ],
  expect: [
    {
      step: 'default',
      means: `a new IPC namespace starts with the kernel's default, ${KERNEL_DEFAULT_SHMMAX}`,
      exitCode: EXIT.ok,
      stdout: `${KERNEL_DEFAULT_SHMMAX}\n`,
    },
    { step: 'limit', means: 'the container has the 32 MiB limit it was given', stdout: `${OLD_SHMMAX}\n` },
    { step: 'too-big', means: 'a 64 MiB segment is refused with EINVAL', exitCode: EXIT.lookup, stderr: /shmget: EINVAL/ },
    { step: 'at-limit', means: 'a segment of exactly the limit is created', exitCode: EXIT.ok },
  ],
  observe: (steps) => {
    const limit = valueRead(steps.get('limit'));
    const big = bigSegment(steps.get('too-big'));
    // "over" only where the limit read is the one asked for; "default" only for a value the plain container read.
    const first = limit === OLD_SHMMAX ? `${big} over ${limit}` : `limit ${limit} (asked ${OLD_SHMMAX}): 64 MiB ${big}`;
    const fresh = numberIn(steps.get('default'));
    return `${first}; ${fresh !== undefined ? `default ${fresh}` : `without the sysctl: ${valueRead(steps.get('default'))}`}`;
  },
  // The 64 MiB segment: EINVAL where the limit holds, `allowed` where it was created all the same.
  brief: (steps) => {
    const big = bigSegment(steps.get('too-big'));
    return big === 'created' ? 'allowed' : big;
  },
  whenDiffers: (steps) => {
    const [fresh, run, limit, big, atLimit] = ['default', 'run-limited', 'limit', 'too-big', 'at-limit'].map((id) => steps.get(id));
    const value = numberIn(limit);
    const ignored = succeeded(run) && value !== undefined && value !== OLD_SHMMAX;
    return sentences(
      numberIn(fresh) !== undefined &&
        numberIn(fresh) !== KERNEL_DEFAULT_SHMMAX &&
        `A container without the sysctl reads ${numberIn(fresh)}, not the kernel's default for a new IPC namespace (${KERNEL_DEFAULT_SHMMAX}).`,
      ignored && ignoredSysctl('kernel.shmmax', OLD_SHMMAX, value),
      ignored && succeeded(big) && 'So the 64 MiB segment was created: a program cannot rely on this setting to cap its segments here.',
      value === OLD_SHMMAX &&
        succeeded(big) &&
        `The container reads the 32 MiB limit, yet its 64 MiB segment was created: this kernel does not enforce \`kernel.shmmax\` as shmget(2) says.`,
      value === OLD_SHMMAX && ran(big) && !succeeded(big) && errnoOf(big) !== 'EINVAL' && `The 64 MiB segment failed with ${failure(big)}, not EINVAL.`,
      value === OLD_SHMMAX && failure(atLimit) && `A segment of exactly the limit failed too (${failure(atLimit)}): the failure is not the limit's alone.`,
    );
  },
};
