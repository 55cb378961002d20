import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { numberIn, ran, SHMMAX, sentences, sysctlErrors, unobserved, valueRead, WANTED_SHMMAX } from '../src/model/experiment-kit.js';
import { appliedBrief } from './brief-kit.js';

const READY = 'idle: ready';
const HOOK = '/etc/my_init.d/load_sys_variables.sh';

/** What became of a container: it exited (with its status), or it runs (with the value it reads, where it was read). */
function outcome(await_: StepRecord | undefined, value?: StepRecord): string {
  const not = unobserved(await_);
  if (not) return not;
  if (await_!.state === 'exited') return `exited with status ${await_!.exitCode}`;
  if (!value) return await_!.state ?? 'state unknown';
  if (numberIn(value) === WANTED_SHMMAX) return 'value applied';
  return `${await_!.state ?? 'state unknown'}, value ${valueRead(value)}`;
}

export const initHook: Experiment = {
  slug: 'init-hook',
  title: 'An init that runs /etc/my_init.d hooks (phusion/baseimage style) before the program',
  section: 'B',
  source: '探讨Docker容器中修改系统变量的方法 (changing kernel parameters in a container), method 2: phusion/baseimage',
  blogSaw:
    'unprivileged: `Read-only file system`, `… failed with status 255`, `Killing all processes…`, the container exits; privileged: the hook runs and the value is applied',
  expectedToday:
    "the same, with shmlab's own minimal init (no image can be pulled offline): unprivileged the container exits with the hook's status; privileged the value is applied",
  explanation:
    "An init such as phusion's `my_init` runs every `/etc/my_init.d/*.sh` before the program and stops everything when a hook fails. A hook that runs `sysctl -p` therefore turns the read-only `/proc/sys` of an unprivileged container into a container that exits at once. The init changes nothing about privileges: only with the privilege to write `/proc/sys` does the hook succeed, and then the value is applied at every start. The image here carries shmlab's minimal `my_init` (a busybox shell script, `fixtures/sbin/my_init`), since no registry is reachable; its `sysctl` is procps-compatible (`c-src/sysctl.c`) and, like the blog's, exits 255 when a key cannot be set.",
  containers: { plain: { image: 'init-hook' }, privileged: { image: 'init-hook', privileged: true } },
  steps: [
    { id: 'run-plain', do: 'run', container: 'plain' },
    { id: 'plain-outcome', do: 'await', container: 'plain', marker: READY, why: 'runs the hook, then the program, or stops' },
    { id: 'run-privileged', do: 'run', container: 'privileged' },
    { id: 'privileged-outcome', do: 'await', container: 'privileged', marker: READY },
    { id: 'privileged-value', do: 'exec', container: 'privileged', cmd: ['cat', SHMMAX] },
  ],
  expect: [
    {
      step: 'plain-outcome',
      means: 'unprivileged: the hook fails read-only, the init says so, stops everything and the container exits',
      state: 'exited',
      exitCode: 255,
      stdout: new RegExp(`Running ${HOOK}\\.\\.\\.\\n\\*\\*\\* ${HOOK} failed with status 255\\n\\*\\*\\* Killing all processes`),
      stderr: /setting key "kernel\.shmmax": Read-only file system/,
    },
    {
      step: 'privileged-outcome',
      means: 'privileged: the hook succeeds and the program starts with the value',
      state: 'running',
      stdout: new RegExp(`idle: /proc/sys/kernel/shmmax = ${WANTED_SHMMAX}\\n`),
    },
    { step: 'privileged-value', means: 'privileged: the value is in force', stdout: `${WANTED_SHMMAX}\n` },
  ],
  observe: (steps) =>
    `unprivileged: ${outcome(steps.get('plain-outcome'))}; privileged: ${outcome(steps.get('privileged-outcome'), steps.get('privileged-value'))}`,
  // The privileged container: the value applied, or the status it exited with; then an unprivileged one that runs.
  brief: (steps) => {
    const [plain, privileged, value] = ['plain-outcome', 'privileged-outcome', 'privileged-value'].map((id) => steps.get(id));
    if (!ran(privileged)) return unobserved(privileged) ?? 'not run';
    if (privileged.state === 'exited') return privileged.exitCode === null ? 'exited' : `exited ${privileged.exitCode}`;
    const applied = appliedBrief(value, WANTED_SHMMAX);
    // Applied in the privileged container only, where the unprivileged one could not (it exited): said as such.
    if (applied !== 'applied') return applied;
    return ran(plain) && plain.state === 'running' ? 'unpriv runs' : 'priv applied';
  },
  whenDiffers: (steps) => {
    const [plain, privileged, value] = ['plain-outcome', 'privileged-outcome', 'privileged-value'].map((id) => steps.get(id));
    const privilegedWords = sysctlErrors(privileged);
    const plainWords = sysctlErrors(plain);
    return sentences(
      ran(privileged) &&
        privileged.state === 'exited' &&
        `With the privilege it was given, the hook's \`sysctl -p\` failed${privilegedWords ? ` (\`${privilegedWords}\`)` : ''}, so the init stopped everything and the container exited with status ${privileged.exitCode}: this engine does not let a container change kernel parameters, privileged or not, and an image whose init insists on setting them cannot run on it. No setting tried in this run changed them: check them inside the container before relying on them.`,
      ran(privileged) &&
        privileged.state === 'running' &&
        numberIn(value) !== undefined &&
        numberIn(value) !== WANTED_SHMMAX &&
        `Privileged, the container runs, but with ${numberIn(value)}, not the value the hook applies.`,
      ran(plain) && plain.state === 'running' && 'Unprivileged, the hook did not stop the container: it runs.',
      plainWords &&
        plainWords !== 'Read-only file system' &&
        `Unprivileged, the hook's \`sysctl -p\` failed with \`${plainWords}\` rather than \`Read-only file system\`.`,
    );
  },
};
