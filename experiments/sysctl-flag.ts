import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { ignoredSysctl, numberIn, refusalOutcome, SHMMAX, sentences, succeeded, unobserved, valueRead, WANTED_SHMMAX } from '../src/model/experiment-kit.js';
import { appliedBrief } from './brief-kit.js';
import { engineSysctls, KUBELET_SYSCTL_ADMISSION, runtimeSysctlCheck, told } from './internals.js';
import { admissionNotAllowlisted, notNamespaced, refusalPhrase, refusedWith } from './refusals.js';

const read = ['cat', SHMMAX];
const SYSRQ_REFUSED = [...notNamespaced('kernel.sysrq'), ...admissionNotAllowlisted('kernel.sysrq')];
const RUNTIME_REFUSED = notNamespaced('kernel.sysrq');

/** `applied (kept after restart)`, `not applied (read …)`, or the values read where neither holds. */
function shmmax(steps: ReadonlyMap<string, StepRecord>): string {
  const [value, after] = ['value', 'after-restart'].map((id) => valueRead(steps.get(id)));
  if (value === WANTED_SHMMAX) return after === WANTED_SHMMAX ? 'applied (kept after restart)' : `applied (after restart: ${after})`;
  if (numberIn(steps.get('value')) !== undefined) return `not applied (read ${value}${after === value ? ', also after restart' : `; after restart ${after}`})`;
  return `kernel.shmmax ${value}; after restart ${after}`;
}

export const sysctlFlag: Experiment = {
  slug: 'sysctl-flag',
  title: "An IPC sysctl given as configuration, unprivileged (`--sysctl`; a pod's `securityContext.sysctls`), and after a restart",
  section: 'C',
  source: "the blog's open question: no way to set a kernel parameter without --privileged",
  blogSaw: 'no way without `--privileged` (Docker 1.2 had no `--sysctl`)',
  expectedToday: 'applied unprivileged and still applied after a restart; a sysctl that is not namespaced (`kernel.sysrq`) is refused',
  explanation:
    "Engines answered the blog with `--sysctl` (HostConfig.Sysctls): the value is written into the container's new namespaces before its program starts, at every start, since it is container configuration. Only namespaced sysctls can be given: the IPC ones (`kernel.msg*`, `kernel.sem`, `kernel.shm*`, `fs.mqueue.*`) and `net.*` with a private network namespace. A sysctl of no namespace (`kernel.sysrq`) would change the host for everyone, and is refused: the refusal is recorded verbatim, and its words tell who refused.",
  internals: (s) => told(engineSysctls(s), runtimeSysctlCheck(s), s.family === 'cri' && KUBELET_SYSCTL_ADMISSION),
  containers: { app: { sysctls: { 'kernel.shmmax': WANTED_SHMMAX } }, sysrq: { sysctls: { 'kernel.sysrq': '1' } } },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'value', do: 'exec', container: 'app', cmd: read },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app' },
    { id: 'after-restart', do: 'exec', container: 'app', cmd: read, why: 'after the restart' },
    { id: 'run-sysrq', do: 'run', container: 'sysrq', mayBeRefused: refusedWith(SYSRQ_REFUSED), why: 'not a namespaced sysctl' },
    {
      id: 'run-sysrq-unadmitted',
      do: 'run',
      container: 'sysrq',
      skipAdmission: true,
      mayBeRefused: refusedWith(RUNTIME_REFUSED),
      skipOn: { 'docker-api': 'no admission runs before a Docker API engine: run-sysrq was already its own answer' },
      why: "the same pod sent to the runtime without admission: the runtime's own answer",
    },
  ],
  expect: [
    { step: 'value', means: 'applied without privilege', stdout: `${WANTED_SHMMAX}\n` },
    { step: 'after-restart', means: 'still applied after the restart', stdout: `${WANTED_SHMMAX}\n` },
    { step: 'run-sysrq', means: 'a sysctl outside any container namespace is refused', refused: true, stderr: /kernel\.sysrq/ },
  ],
  expectOn: {
    cri: {
      why: "Kubernetes sets sysctls on the pod, not on a container: the runtime writes them into the sandbox's namespaces when the pod starts, and a container's restart (a new container in the same sandbox) keeps the sandbox, so the value is expected to hold. A sysctl of no namespace (`kernel.sysrq`) is expected to be refused by admission (the kubelet's allowlist, which shmlab applies in its place) before any CRI call, and, sent to the runtime all the same, when the sandbox starts.",
      expect: [{ step: 'run-sysrq-unadmitted', means: 'the runtime refuses it too when the sandbox starts', refused: true, stderr: /kernel\.sysrq/ }],
    },
  },
  observe: (steps) => {
    const unadmitted = steps.get('run-sysrq-unadmitted');
    const runtime = unadmitted && !unadmitted.skipped ? `, without admission ${refusalPhrase(unadmitted, RUNTIME_REFUSED)}` : '';
    return `${shmmax(steps)}; kernel.sysrq ${refusalPhrase(steps.get('run-sysrq'), SYSRQ_REFUSED)}${runtime}`;
  },
  // kernel.shmmax, the row's question: applied, and still after the restart; who refuses kernel.sysrq is left to the phrase.
  brief: (steps) => {
    const applied = appliedBrief(steps.get('value'), WANTED_SHMMAX);
    if (applied !== 'applied') return applied;
    const after = steps.get('after-restart');
    if (numberIn(after) === WANTED_SHMMAX) return 'applied';
    return unobserved(after) ?? (numberIn(after) !== undefined ? 'applied once' : 'unreadable');
  },
  whenDiffers: (steps) => {
    const [run, value, after, sysrq] = ['run', 'value', 'after-restart', 'run-sysrq'].map((id) => steps.get(id));
    const read = numberIn(value);
    const ignored = succeeded(run) && read !== undefined && read !== WANTED_SHMMAX;
    return sentences(
      ignored && ignoredSysctl('kernel.shmmax', WANTED_SHMMAX, read),
      !ignored &&
        read === WANTED_SHMMAX &&
        numberIn(after) !== undefined &&
        numberIn(after) !== WANTED_SHMMAX &&
        `The value was in force at the first start, but after the restart the container read ${numberIn(after)}: this engine applies \`--sysctl\` only once; check it after every start.`,
      refusalOutcome(steps.get('run-sysrq-unadmitted')) === 'accepted' &&
        "`kernel.sysrq`, a sysctl of no container namespace, was accepted by the runtime when sent without admission: it does not check a pod's sysctls, and only the kubelet's admission keeps such a pod off the node.",
      refusalOutcome(sysrq) === 'accepted' &&
        `\`--sysctl kernel.sysrq=1\`, a sysctl of no container namespace, was accepted too${ignored ? '' : ' (nothing here reads whether it took effect)'}: neither this engine nor its runtime checks the sysctls it is given, so a container that starts proves nothing about a kernel parameter${ignored ? ', as the ignored `kernel.shmmax` shows' : ''}.`,
    );
  },
};
