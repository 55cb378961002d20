import type { Experiment } from '../src/model/experiment.js';
import {
  EXIT,
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
  writeOutcome,
} from '../src/model/experiment-kit.js';
import { writeBrief } from './brief-kit.js';
import { KUBELET_RESTART } from './pod-kit.js';

const write = ['sh', '-c', `echo ${WANTED_SHMMAX} > ${SHMMAX}`];
const read = ['cat', SHMMAX];

export const privilegedNotPersisted: Experiment = {
  slug: 'privileged-not-persisted',
  title: 'Privileged, a kernel parameter can be changed, but a restart puts it back',
  section: 'B',
  source: '探讨Docker容器中修改系统变量的方法 (changing kernel parameters in a container), method 1: --privileged',
  blogSaw:
    'with `--privileged` the write and `sysctl -p` work; after stop and start the value is back to the default; the container is still privileged, so writing works again',
  expectedToday: "the same: the value lives in the container's IPC namespace, which a restart replaces",
  explanation:
    "With the privilege to write `/proc/sys`, `kernel.shmmax` can be changed, but it belongs to the container's IPC namespace. A stop ends the namespace with the container's last process; the start creates a new one, which begins from the kernel's compiled-in default. The privilege is container configuration, so it survives the restart and the write works again: the change itself is never persisted.",
  containers: { app: { privileged: true } },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'before', do: 'exec', container: 'app', cmd: read },
    { id: 'write', do: 'exec', container: 'app', cmd: write },
    { id: 'sysctl-p', do: 'exec', container: 'app', cmd: ['sysctl', '-p'] },
    { id: 'changed', do: 'exec', container: 'app', cmd: read },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app' },
    { id: 'after-restart', do: 'exec', container: 'app', cmd: read, why: 'after the restart' },
    { id: 'write-again', do: 'exec', container: 'app', cmd: write, why: 'still privileged?' },
    { id: 'changed-again', do: 'exec', container: 'app', cmd: read },
  ],
  expect: [
    { step: 'before', means: 'it starts at the kernel default', stdout: `${KERNEL_DEFAULT_SHMMAX}\n` },
    { step: 'write', means: 'the write works', exitCode: EXIT.ok },
    { step: 'sysctl-p', means: '`sysctl -p` applies the file', exitCode: EXIT.ok, stdout: new RegExp(`kernel\\.shmmax = ${WANTED_SHMMAX}`) },
    { step: 'changed', means: 'the value is changed', stdout: `${WANTED_SHMMAX}\n` },
    { step: 'after-restart', means: 'after the restart it is back to the default', stdout: `${KERNEL_DEFAULT_SHMMAX}\n` },
    { step: 'write-again', means: 'writing works again', exitCode: EXIT.ok },
    { step: 'changed-again', means: 'and changes it again', stdout: `${WANTED_SHMMAX}\n` },
  ],
  expectOn: {
    cri: {
      why: `${KUBELET_RESTART}, and \`kernel.shmmax\` belongs to the pod's IPC namespace, which outlives the container: the value written before the restart is still in force after it.`,
      expect: [
        {
          step: 'after-restart',
          means: "after the restart the value written is still in force: the pod's IPC namespace kept it",
          stdout: `${WANTED_SHMMAX}\n`,
        },
        {
          step: 'changed-again',
          means: 'the value is in force (it already was before this write, so this read cannot tell the two writes apart)',
          stdout: `${WANTED_SHMMAX}\n`,
        },
      ],
    },
  },
  observe: (steps) => {
    const write = steps.get('write');
    const changed = numberIn(steps.get('changed'));
    const after = valueRead(steps.get('after-restart'));
    // "set" only where the write succeeded and the next read shows the value written.
    if (succeeded(write) && changed === WANTED_SHMMAX) {
      return `set ${changed}; after restart ${after === KERNEL_DEFAULT_SHMMAX ? 'back to default' : after === changed ? 'kept' : after}`;
    }
    const reads = ['before', 'changed', 'after-restart', 'changed-again'].map((id) => numberIn(steps.get(id)));
    const first = succeeded(write) ? `written, read ${valueRead(steps.get('changed'))}` : `write ${writeOutcome(write)}`;
    if (reads.every((v) => v !== undefined && v === reads[0])) return `${first}; value ${reads[0]} throughout`;
    return `${first}; after restart ${after}`;
  },
  // Whether the value set by hand outlived the restart (`kept`, `lost`); where it was never set, why (`EIO`).
  brief: (steps) => {
    const write = steps.get('write');
    if (!succeeded(write)) return writeBrief(write);
    const changed = steps.get('changed');
    if (numberIn(changed) !== WANTED_SHMMAX) return unobserved(changed) ?? 'not set';
    const after = steps.get('after-restart');
    const value = numberIn(after);
    if (value === undefined) return unobserved(after) ?? 'unreadable';
    return value === WANTED_SHMMAX ? 'kept' : value === KERNEL_DEFAULT_SHMMAX ? 'lost' : 'changed';
  },
  whenDiffers: (steps) => {
    const [write, sysctlP, changed, after, again] = ['write', 'sysctl-p', 'changed', 'after-restart', 'write-again'].map((id) => steps.get(id));
    const words = failure(write);
    const sysctlWords = failure(sysctlP) ? (sysctlErrors(sysctlP) ?? failure(sysctlP)) : undefined;
    const set = succeeded(write) && numberIn(changed) === WANTED_SHMMAX;
    return sentences(
      words &&
        `With the privilege it was given, writing /proc/sys/kernel/shmmax failed (\`${words}\`)${sysctlWords ? `, and so did \`sysctl -p\` (\`${sysctlWords}\`)` : ''}${numberIn(changed) ? `; the value stayed ${numberIn(changed)}` : ''}: this engine does not let a container change kernel parameters, privileged or not. No setting tried in this run changed them: check them inside the container before relying on them.`,
      !words && sysctlWords && `With the privilege it was given, \`sysctl -p\` failed (\`${sysctlWords}\`) where the shell's write had worked.`,
      succeeded(write) &&
        !set &&
        numberIn(changed) !== undefined &&
        `The write succeeded, but the container then read ${numberIn(changed)}: the value written did not take.`,
      set &&
        numberIn(after) === WANTED_SHMMAX &&
        "The value written was still in force after the restart: this engine's restart kept the container's IPC namespace, so a value set by hand lasts until that namespace goes.",
      set &&
        numberIn(after) === KERNEL_DEFAULT_SHMMAX &&
        "After the restart the value was back to the kernel's default: this engine's restart gives the container a new IPC namespace, so a value set by hand is lost at every restart; set it at each start (a start script, or `--sysctl`).",
      set &&
        numberIn(after) !== undefined &&
        numberIn(after) !== WANTED_SHMMAX &&
        numberIn(after) !== KERNEL_DEFAULT_SHMMAX &&
        `After the restart the container read ${numberIn(after)}, neither the value written nor the kernel's default.`,
      set && failure(again) && `After the restart the write failed (\`${failure(again)}\`): the privilege did not survive the restart.`,
    );
  },
};
