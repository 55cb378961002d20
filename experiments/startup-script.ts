import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { KERNEL_DEFAULT_SHMMAX, numberIn, ran, SHMMAX, sentences, sysctlErrors, unobserved, valueRead, WANTED_SHMMAX } from '../src/model/experiment-kit.js';
import { appliedBrief } from './brief-kit.js';
import { KUBELET_RESTART } from './pod-kit.js';

const READY = 'idle: ready';
const sees = (value: string, times = 1) => new RegExp(`(idle: /proc/sys/kernel/shmmax = ${value}\\n[\\s\\S]*){${times}}`);
/** How many starts the program reported with this value. */
const starts = (record: StepRecord | undefined, value: string) =>
  ran(record) ? record.stdout.split('\n').filter((l) => l === `idle: /proc/sys/kernel/shmmax = ${value}`).length : 0;

/** The privileged container's outcome: applied (at each start, where the logs show two), or what was seen instead. */
function privileged(steps: ReadonlyMap<string, StepRecord>): string {
  const value = steps.get('privileged-value');
  const not = unobserved(value);
  if (not) return not;
  if (numberIn(value) === WANTED_SHMMAX) return starts(steps.get('privileged-restarted'), WANTED_SHMMAX) >= 2 ? 'applied at each start' : 'applied';
  const words = sysctlErrors(steps.get('privileged-restarted')) ?? sysctlErrors(steps.get('privileged-started'));
  return words ? `not applied (${words})` : `value ${valueRead(value)}`;
}

/** The unprivileged container after its restart: its state, and its value. */
function unprivileged(steps: ReadonlyMap<string, StepRecord>): string {
  const restarted = steps.get('plain-restarted');
  const value = steps.get('plain-value');
  const not = unobserved(restarted);
  if (not) return not;
  return `${restarted!.state ?? 'state unknown'}, ${numberIn(value) === KERNEL_DEFAULT_SHMMAX ? 'default value' : `value ${valueRead(value)}`}`;
}

const readOnly = (times: number) => new RegExp(`(setting key "kernel\\.shmmax": Read-only file system[\\s\\S]*){${times}}`);

export const startupScript: Experiment = {
  slug: 'startup-script',
  title: "The blog's start.sh: `sysctl -p` before the program, privileged and not, each through a restart",
  section: 'B',
  source: '探讨Docker容器中修改系统变量的方法 (changing kernel parameters in a container), start.sh as the CMD',
  blogSaw: 'privileged: the value is applied at every start; without `--privileged` the blog says the container fails to start',
  expectedToday:
    "privileged: applied at each start; unprivileged: `sysctl -p` reports `Read-only file system` and, since this start.sh goes on, the program runs with the kernel's default",
  explanation:
    "A script that runs `sysctl -p` before exec'ing the program re-applies the value in each new IPC namespace, that is, at every start, so with the privilege to write `/proc/sys` the program always sees it. Without that privilege `sysctl -p` fails with `Read-only file system`; whether the container then dies is up to the script: the blog's start.sh has no `set -e`, so the program starts anyway, with the default value (the blog's report that the container fails to start is not what this script does). Compare `init-hook`, whose init stops on a failing hook.",
  containers: { privileged: { image: 'startup-script', privileged: true }, plain: { image: 'startup-script' } },
  steps: [
    { id: 'run-privileged', do: 'run', container: 'privileged' },
    { id: 'privileged-started', do: 'await', container: 'privileged', marker: READY },
    { id: 'privileged-stop', do: 'stop', container: 'privileged' },
    { id: 'privileged-start', do: 'start', container: 'privileged' },
    { id: 'privileged-restarted', do: 'await', container: 'privileged', marker: READY, why: 'logs of both starts' },
    { id: 'privileged-value', do: 'exec', container: 'privileged', cmd: ['cat', SHMMAX], why: 'after the restart' },
    { id: 'run-plain', do: 'run', container: 'plain' },
    { id: 'plain-started', do: 'await', container: 'plain', marker: READY },
    { id: 'plain-stop', do: 'stop', container: 'plain' },
    { id: 'plain-start', do: 'start', container: 'plain' },
    { id: 'plain-restarted', do: 'await', container: 'plain', marker: READY, why: 'logs of both starts' },
    { id: 'plain-value', do: 'exec', container: 'plain', cmd: ['cat', SHMMAX], why: 'after the restart' },
  ],
  expect: [
    { step: 'privileged-started', means: 'privileged: sysctl -p applies the value and the program sees it', state: 'running', stdout: sees(WANTED_SHMMAX) },
    { step: 'privileged-restarted', means: 'privileged: applied again at the second start', state: 'running', stdout: sees(WANTED_SHMMAX, 2) },
    { step: 'privileged-value', means: 'privileged: the value is in force after the restart', stdout: `${WANTED_SHMMAX}\n` },
    {
      step: 'plain-started',
      means: 'unprivileged: sysctl -p fails read-only, and the program still starts, with the default',
      state: 'running',
      stderr: readOnly(1),
      stdout: sees(KERNEL_DEFAULT_SHMMAX),
    },
    {
      step: 'plain-restarted',
      means: 'unprivileged: the same at the second start',
      state: 'running',
      stderr: readOnly(2),
      stdout: sees(KERNEL_DEFAULT_SHMMAX, 2),
    },
    { step: 'plain-value', means: 'unprivileged: the default is in force', stdout: `${KERNEL_DEFAULT_SHMMAX}\n` },
  ],
  expectOn: {
    cri: {
      why: `The same outcome, for another reason at the restart. ${KUBELET_RESTART}, whose IPC namespace keeps the value the first start wrote, so the second start's \`sysctl -p\` finds it already set. Unprivileged, the read-only \`/proc/sys\` makes \`sysctl -p\` fail, and this start.sh goes on with the default.`,
      expect: [],
    },
  },
  observe: (steps) => `privileged: ${privileged(steps)}; unprivileged: ${unprivileged(steps)}`,
  // The privileged container's value after its restart; where it is applied, an unprivileged container that exited.
  brief: (steps) => {
    const applied = appliedBrief(steps.get('privileged-value'), WANTED_SHMMAX);
    if (applied !== 'applied') return applied;
    // The privileged container's value: the unprivileged one keeps the default, so the word names which applied it.
    return [steps.get('plain-started'), steps.get('plain-restarted')].some((r) => ran(r) && r.state === 'exited') ? 'unpriv exits' : 'priv applied';
  },
  whenDiffers: (steps) => {
    const privilegedWords = sysctlErrors(steps.get('privileged-restarted')) ?? sysctlErrors(steps.get('privileged-started'));
    const privilegedValue = numberIn(steps.get('privileged-value'));
    const plainWords = sysctlErrors(steps.get('plain-restarted')) ?? sysctlErrors(steps.get('plain-started'));
    const exited = [steps.get('plain-started'), steps.get('plain-restarted')].find((r) => ran(r) && r.state === 'exited');
    return sentences(
      privilegedWords &&
        privilegedValue !== WANTED_SHMMAX &&
        `With the privilege it was given, the start script's \`sysctl -p\` failed (\`${privilegedWords}\`)${privilegedValue ? ` and the program runs with ${privilegedValue}` : ''}: this engine does not let a container change kernel parameters, so a start script cannot set them. No setting tried in this run changed them: check them inside the container before relying on them.`,
      !privilegedWords &&
        privilegedValue !== undefined &&
        privilegedValue !== WANTED_SHMMAX &&
        `Privileged, the program runs with ${privilegedValue}, not the value the script applies.`,
      plainWords &&
        plainWords !== 'Read-only file system' &&
        `Unprivileged, \`sysctl -p\` failed with \`${plainWords}\` rather than \`Read-only file system\`.`,
      exited &&
        `The unprivileged container exited${exited.exitCode !== null ? ` (status ${exited.exitCode})` : ''}: on this engine the start script's failing \`sysctl -p\` keeps the container from running.`,
    );
  },
};
