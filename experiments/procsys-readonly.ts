import type { Experiment, StepRecord } from '../src/model/experiment.js';
import {
  failure,
  KERNEL_DEFAULT_SHMMAX,
  numberIn,
  SHMMAX,
  sentences,
  succeeded,
  sysctlErrors,
  unobserved,
  valueRead,
  WANTED_SHMMAX,
} from '../src/model/experiment-kit.js';
import { writeBrief } from './brief-kit.js';

const READ_ONLY = 'Read-only file system';

/** `read-only` where the write failed so; else what became of the write. */
function written(record: StepRecord | undefined): string {
  const not = unobserved(record);
  if (not) return `write ${not}`;
  if (succeeded(record)) return 'write succeeded';
  const words = failure(record)!;
  return words === READ_ONLY ? 'read-only' : `write failed: ${words}`;
}

/** The value the image's /etc/sysctl.conf asks for, as the step read it. */
function fileValue(record: StepRecord | undefined): string {
  return (
    unobserved(record) ??
    (succeeded(record) ? (record.stdout.match(/^kernel\.shmmax\s*=\s*(\d+)\s*$/m)?.[1] ?? 'no kernel.shmmax') : `unreadable (${failure(record)})`)
  );
}

export const procsysReadonly: Experiment = {
  slug: 'procsys-readonly',
  title: '/proc/sys is read-only in an unprivileged container, and nothing loads /etc/sysctl.conf',
  section: 'B',
  source: '探讨Docker容器中修改系统变量的方法 (changing kernel parameters in a container), the read-only file system',
  blogSaw:
    "`echo … > /proc/sys/kernel/shmmax`: `Read-only file system`; `sysctl -p`: one `Read-only file system` error per key; the live value is not the file's, since no init ran `sysctl -p`",
  expectedToday: 'the same',
  explanation:
    "The engine puts `/proc/sys` among the read-only paths of every unprivileged container's OCI spec (`readonlyPaths`), and the runtime mounts it so, so neither a shell redirection nor `sysctl -p` can change a kernel parameter there. And no init runs `sysctl -p` at a container's start: the image's `/etc/sysctl.conf` is a file like any other, so the live value stays the kernel's default for a new IPC namespace.",
  containers: { app: {} },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'conf', do: 'exec', container: 'app', cmd: ['cat', '/etc/sysctl.conf'], why: 'what the image asks for' },
    { id: 'echo', do: 'exec', container: 'app', cmd: ['sh', '-c', `echo ${WANTED_SHMMAX} > ${SHMMAX}`] },
    { id: 'sysctl-p', do: 'exec', container: 'app', cmd: ['sysctl', '-p'] },
    { id: 'live', do: 'exec', container: 'app', cmd: ['cat', SHMMAX], why: 'the value in force' },
  ],
  expect: [
    { step: 'conf', means: "the image's sysctl.conf asks for 64 GiB", stdout: new RegExp(`^kernel\\.shmmax = ${WANTED_SHMMAX}$`, 'm') },
    { step: 'echo', means: 'writing /proc/sys fails: read-only file system', exitCode: 'non-zero', stderr: /Read-only file system/ },
    {
      step: 'sysctl-p',
      means: '`sysctl -p` fails once per key with read-only file system',
      exitCode: 'non-zero',
      stderr: /setting key "kernel\.shmmax": Read-only file system[\s\S]*setting key "kernel\.shmall": Read-only file system/,
    },
    { step: 'live', means: "the live value is the kernel's default, not the file's", stdout: `${KERNEL_DEFAULT_SHMMAX}\n` },
  ],
  expectOn: {
    cri: {
      why: "A kubelet asks the runtime for a read-only `/proc/sys` in every unprivileged container (its `readonly_paths` for `procMount: Default`, pkg/securitycontext/util.go, which shmlab sends in its place), so neither a redirection nor `sysctl -p` is expected to change a kernel parameter; nothing runs `sysctl -p` at a container's start.",
      expect: [],
    },
  },
  observe: (steps) => {
    const live = valueRead(steps.get('live'));
    const file = fileValue(steps.get('conf'));
    const compare = numberIn(steps.get('live')) !== undefined && /^\d+$/.test(file) ? (live === file ? ' = ' : ' ≠ ') : ', ';
    return `${written(steps.get('echo'))}; live ${live}${compare}file ${file}`;
  },
  // How the write into /proc/sys failed (`read-only`, `EIO`), or `writable`.
  brief: (steps) => {
    const write = writeBrief(steps.get('echo'));
    return write === 'written' ? 'writable' : write;
  },
  whenDiffers: (steps) => {
    const [echo, sysctlP, live, conf] = ['echo', 'sysctl-p', 'live', 'conf'].map((id) => steps.get(id));
    const echoWords = failure(echo);
    const sysctlWords = sysctlErrors(sysctlP);
    const otherFailure = (echoWords && echoWords !== READ_ONLY) || (sysctlWords && sysctlWords !== READ_ONLY);
    const value = numberIn(live);
    return sentences(
      otherFailure &&
        `Writing /proc/sys failed with \`${echoWords ?? sysctlWords}\`${sysctlWords && sysctlWords !== echoWords ? ` (\`sysctl -p\`: \`${sysctlWords}\`)` : ''}, not \`${READ_ONLY}\`: this engine refuses the write in its own way, so a program that tells a read-only /proc/sys by that error will not recognise it.`,
      otherFailure && 'For a user the outcome is the same: a kernel parameter cannot be changed from inside this container.',
      succeeded(echo) &&
        'The write to /proc/sys succeeded in an unprivileged container: this engine does not make /proc/sys read-only, so any process of the container can change its IPC limits.',
      succeeded(sysctlP) && '`sysctl -p` succeeded without privilege.',
      value !== undefined &&
        value === fileValue(conf) &&
        !succeeded(echo) &&
        !succeeded(sysctlP) &&
        "The live value is the file's, though this container's own writes failed: something else applied /etc/sysctl.conf.",
      value !== undefined &&
        value !== fileValue(conf) &&
        value !== KERNEL_DEFAULT_SHMMAX &&
        `The live value, ${value}, is neither the file's nor the kernel's default for a new IPC namespace.`,
    );
  },
};
