import { KERNEL_DEFAULT_SHMMAX, SHMMAX, WANTED_SHMMAX, valueOf } from '../src/model/experiment-kit.js';
import type { Experiment } from '../src/model/experiment.js';

export const procsysReadonly: Experiment = {
  slug: 'procsys-readonly',
  title: '/proc/sys is read-only in an unprivileged container, and nothing loads /etc/sysctl.conf',
  section: 'B',
  source: '探讨Docker容器中修改系统变量的方法 (changing kernel parameters in a container), the read-only file system',
  blogSaw: '`echo … > /proc/sys/kernel/shmmax`: `Read-only file system`; `sysctl -p`: one `Read-only file system` error per key; the live value is not the file\'s, since no init ran `sysctl -p`',
  expectedToday: 'the same',
  explanation:
    "The engine mounts `/proc/sys` read-only in every unprivileged container (Docker's `ReadonlyPaths`), so neither a shell redirection nor `sysctl -p` can change a kernel parameter there. And no init runs `sysctl -p` at a container's start: the image's `/etc/sysctl.conf` is a file like any other, so the live value stays the kernel's default for a new IPC namespace.",
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
    { step: 'sysctl-p', means: '`sysctl -p` fails once per key with read-only file system', exitCode: 'non-zero', stderr: /setting key "kernel\.shmmax": Read-only file system[\s\S]*setting key "kernel\.shmall": Read-only file system/ },
    { step: 'live', means: "the live value is the kernel's default, not the file's", stdout: `${KERNEL_DEFAULT_SHMMAX}\n` },
  ],
  expectOn: {
    cri: {
      why: "The kubelet asks the runtime for a read-only `/proc/sys` in every unprivileged container (its default `readonly_paths`, which shmlab sends as the kubelet does), so neither a redirection nor `sysctl -p` can change a kernel parameter; nothing runs `sysctl -p` at a container's start.",
      expect: [],
    },
  },
  observe: (steps) => {
    const ro = /Read-only file system/.test(steps.get('echo')?.stderr ?? '');
    return `${ro ? 'read-only' : 'writable?'}; live ${valueOf(steps.get('live')) ?? '?'} ≠ file ${WANTED_SHMMAX}`;
  },
};
