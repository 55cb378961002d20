import { EXIT, KERNEL_DEFAULT_SHMMAX, OLD_SHMMAX, SHMMAX, errnoOf, valueOf } from '../src/model/experiment-kit.js';
import type { Experiment } from '../src/model/experiment.js';

const MIB_64 = String(64 * 1024 * 1024);

export const shmgetEinval: Experiment = {
  slug: 'shmget-einval',
  title: 'shmget asks for more than kernel.shmmax: EINVAL',
  section: 'B',
  source: '探讨Docker容器中修改系统变量的方法 (changing kernel parameters in a container), the EINVAL that started it',
  blogSaw: '`shmget` → EINVAL; the container\'s `kernel.shmmax` was 33554432 (32 MiB, the old kernel default)',
  expectedToday: `the default is now ${KERNEL_DEFAULT_SHMMAX}; with \`kernel.shmmax=${OLD_SHMMAX}\` set for the container, a 64 MiB \`shmget\` fails with EINVAL and one of 32 MiB succeeds`,
  explanation: `\`shmget\` refuses a new segment larger than \`kernel.shmmax\` with EINVAL (shmget(2)). Since Linux 3.16 the compiled-in default is ULONG_MAX − 2^24 = ${KERNEL_DEFAULT_SHMMAX}, so the blog's failure no longer happens by default; the harness sets the old 32 MiB limit for the container (an IPC-namespaced sysctl, allowed unprivileged) to reproduce it. A segment of exactly the limit is created, which shows the EINVAL comes from the limit and not from anything else.`,
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
    { step: 'default', means: `a new IPC namespace starts with the kernel's default, ${KERNEL_DEFAULT_SHMMAX}`, exitCode: EXIT.ok, stdout: `${KERNEL_DEFAULT_SHMMAX}\n` },
    { step: 'limit', means: 'the container has the 32 MiB limit it was given', stdout: `${OLD_SHMMAX}\n` },
    { step: 'too-big', means: 'a 64 MiB segment is refused with EINVAL', exitCode: EXIT.lookup, stderr: /shmget: EINVAL/ },
    { step: 'at-limit', means: 'a segment of exactly the limit is created', exitCode: EXIT.ok },
  ],
  observe: (steps) => `${errnoOf(steps.get('too-big')) ?? `exit ${steps.get('too-big')?.exitCode}`} over ${valueOf(steps.get('limit')) ?? '?'}; default ${valueOf(steps.get('default')) ?? '?'}`,
};
