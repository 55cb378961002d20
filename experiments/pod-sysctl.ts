import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { failure, refusalOutcome, sentences, succeeded, unobserved } from '../src/model/experiment-kit.js';
import { engineSysctls, KUBELET_SYSCTL_ADMISSION, runtimeSysctlCheck, told } from './internals.js';
import { kubeletVerdict } from './kubelet-sysctls.js';
import { ONLY_IN_PODS } from './pod-kit.js';
import { admissionNotAllowlisted, notNamespaced, refusalPhrase, refusedWith } from './refusals.js';

const SYSRQ_REFUSED = [...notNamespaced('kernel.sysrq'), ...admissionNotAllowlisted('kernel.sysrq')];
const RUNTIME_REFUSED = notNamespaced('kernel.sysrq');

const SYSCTLS = { 'kernel.shmmax': '33554432', 'kernel.sem': '250 32000 100 256', 'kernel.msgmax': '65536', 'kernel.shm_rmid_forced': '1' };
const READ = ['sh', '-c', 'cat /proc/sys/kernel/shmmax /proc/sys/kernel/sem /proc/sys/kernel/msgmax /proc/sys/kernel/shm_rmid_forced'];
// /proc/sys/kernel/sem separates its four numbers with tabs.
const SET = /^33554432\n250\s+32000\s+100\s+256\n65536\n1\n$/;
// A new IPC namespace's defaults (include/uapi/linux/shm.h, sem.h, msg.h; shm_rmid_forced 0).
const DEFAULTS = /^18446744073692774399\n32000\s+1024000000\s+500\s+32000\n8192\n0\n$/;

/** `set`, `defaults`, the other values read, or why there is no answer. */
function values(record: StepRecord | undefined): string {
  const not = unobserved(record);
  if (not) return not;
  if (!succeeded(record)) return `unreadable (${failure(record)})`;
  const stdout = `${record.stdout.trimEnd()}\n`;
  return SET.test(stdout) ? 'set' : DEFAULTS.test(stdout) ? 'defaults' : `other (${stdout.trim().replace(/\s+/g, ' ')})`;
}

const table = [
  '| sysctl | namespaced | the kubelet, by default |',
  '|---|---|---|',
  ...Object.keys(SYSCTLS).map((s) => `| \`${s}\` | yes (IPC) | ${kubeletVerdict(s, true)} |`),
  `| \`kernel.sysrq\` | no | ${kubeletVerdict('kernel.sysrq', false)} |`,
].join('\n');

export const podSysctl: Experiment = {
  ...ONLY_IN_PODS,
  slug: 'pod-sysctl',
  title: 'Pod sysctls: seen by every container of the pod, kept across container restarts, refused when not namespaced',
  source: 'Kubernetes users: SysctlForbidden for databases that need kernel.shm* or kernel.sem (kubernetes #101227)',
  blogSaw: 'not tried (no pods then)',
  expectedToday:
    "`kernel.shmmax`, `kernel.sem`, `kernel.msgmax` and `kernel.shm_rmid_forced` set on the pod are in force in its container and its sidecar, and still after a restart; a pod without them has the defaults; `kernel.sysrq` is refused by admission (the kubelet's allowlist) and, sent all the same, by the runtime when the sandbox starts",
  explanation: `Kubernetes sets sysctls on the pod (\`securityContext.sysctls\`), not on a container: the runtime writes them into the sandbox's namespaces when it creates the pod, so every container of the pod sees them and a container restart, which keeps the sandbox, keeps them. A new pod gets what it asks for, else the kernel's defaults for a new IPC namespace. A sysctl that is not namespaced (\`kernel.sysrq\`) would change the node: the runtime refuses it when the sandbox starts. On a node, a kubelet decides first: by default it allows only its safe sysctls, and those its \`--allowed-unsafe-sysctls\` names (no kubelet runs here: shmlab applies its allowlist in its place, as a kubelet that allows every IPC sysctl, and sends the refused pod to the runtime a second time without it, to show the runtime's own answer):\n\n${table}`,
  internals: (s) => told(engineSysctls(s), runtimeSysctlCheck(s), KUBELET_SYSCTL_ADMISSION),
  containers: {
    app: { sysctls: SYSCTLS },
    sidecar: { ipc: 'container:app' },
    plain: {},
    sysrq: { sysctls: { 'kernel.sysrq': '1' } },
  },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'values', do: 'exec', container: 'app', cmd: READ },
    { id: 'run-sidecar', do: 'run', container: 'sidecar', why: 'a second container of the same pod' },
    { id: 'sidecar-values', do: 'exec', container: 'sidecar', cmd: READ },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app', why: 'as the kubelet restarts a container: a new one (attempt + 1) in the same pod' },
    { id: 'values-after-restart', do: 'exec', container: 'app', cmd: READ },
    { id: 'run-plain', do: 'run', container: 'plain', why: 'a new pod without sysctls' },
    { id: 'plain-values', do: 'exec', container: 'plain', cmd: READ },
    { id: 'run-sysrq', do: 'run', container: 'sysrq', mayBeRefused: refusedWith(SYSRQ_REFUSED), why: 'not a namespaced sysctl' },
    {
      id: 'run-sysrq-unadmitted',
      do: 'run',
      container: 'sysrq',
      skipAdmission: true,
      mayBeRefused: refusedWith(RUNTIME_REFUSED),
      why: "the same pod sent to the runtime without admission: the runtime's own answer",
    },
  ],
  expect: [
    { step: 'values', means: "the pod's sysctls are in force in its container", stdout: SET },
    { step: 'sidecar-values', means: 'and in its sidecar', stdout: SET },
    { step: 'values-after-restart', means: 'and still after the restart', stdout: SET },
    { step: 'plain-values', means: 'a pod without them has the defaults of a new IPC namespace', stdout: DEFAULTS },
    {
      step: 'run-sysrq',
      means: "a sysctl that is not namespaced is refused by admission (the kubelet's allowlist)",
      refused: true,
      stderr: /forbidden sysctl: "kernel\.sysrq" not allowlisted/,
    },
    { step: 'run-sysrq-unadmitted', means: 'and by the runtime, when the sandbox starts', refused: true, stderr: /kernel\.sysrq/ },
  ],
  observe: (steps) => {
    const seen = (id: string) => values(steps.get(id));
    return `container ${seen('values')}, sidecar ${seen('sidecar-values')}, after restart ${seen('values-after-restart')}, new pod ${seen('plain-values')}; kernel.sysrq ${refusalPhrase(steps.get('run-sysrq'), SYSRQ_REFUSED)}, without admission ${refusalPhrase(steps.get('run-sysrq-unadmitted'), RUNTIME_REFUSED)}`;
  },
  // The pod's sysctls in its container, its sidecar and after the restart: `applied` where all three read them, else
  // the first that did not. Who refused kernel.sysrq is left to the phrase.
  brief: (steps) => {
    const where = { values: 'not applied', 'sidecar-values': 'not shared', 'values-after-restart': 'not kept' } as const;
    for (const [id, otherwise] of Object.entries(where)) {
      const seen = values(steps.get(id));
      if (seen !== 'set') return unobserved(steps.get(id)) ?? (seen.startsWith('unreadable') ? 'unreadable' : otherwise);
    }
    return 'applied';
  },
  whenDiffers: (steps) => {
    const seen = (id: string) => values(steps.get(id));
    const where = [
      ['values', 'its container'],
      ['sidecar-values', 'its sidecar'],
      ['values-after-restart', 'its restarted container'],
    ].filter(([id]) => !['set', 'not run', 'engine error'].includes(seen(id!)));
    return sentences(
      succeeded(steps.get('run')) &&
        where.length > 0 &&
        `The pod's sysctls were accepted (the pod started), but ${where.map(([id, name]) => `${name} read ${seen(id!)}`).join(', ')}: this runtime does not apply them all to the pod; no setting tried here applied them, so check kernel parameters inside the pod before relying on them.`,
      seen('plain-values').startsWith('other') &&
        `A pod without sysctls read ${seen('plain-values').slice('other '.length)}, not a new IPC namespace's defaults: this runtime's pods do not start from the kernel's defaults.`,
      refusalOutcome(steps.get('run-sysrq-unadmitted')) === 'accepted' &&
        "`kernel.sysrq`, a sysctl of no namespace, was accepted by the runtime: it does not check a pod's sysctls, and only the kubelet's admission keeps such a pod off the node.",
    );
  },
};
