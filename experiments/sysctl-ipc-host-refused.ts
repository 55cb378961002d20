import type { Experiment } from '../src/model/experiment.js';
import {
  ignoredSysctl,
  KERNEL_DEFAULT_SHMMAX,
  numberIn,
  refusalOutcome,
  SHMMAX,
  sentences,
  succeeded,
  valueRead,
  WANTED_SHMMAX,
} from '../src/model/experiment-kit.js';
import { outcomeWord } from './brief-kit.js';
import { engineSysctls, KUBELET_SYSCTL_ADMISSION, runtimeSysctlCheck, told } from './internals.js';
import { admissionHostIpc, ipcSysctlWithoutNamespace, refusalPhrase, refusedWith } from './refusals.js';

const HOST_REFUSED = ipcSysctlWithoutNamespace('kernel.shmmax');
const ADMISSION_REFUSED = admissionHostIpc('kernel.shmmax');
const RUNTIME_WORDS = /kernel\.shmmax[^\n]*ipc namespace/i;

export const sysctlIpcHostRefused: Experiment = {
  slug: 'sysctl-ipc-host-refused',
  title: "An IPC sysctl together with the host's IPC namespace (`--ipc=host --sysctl kernel.shmmax=…`; a `hostIPC` pod with the sysctl)",
  section: 'C',
  source: "the blog's open question, asked the other way round: can `--sysctl` change the host's limits?",
  blogSaw: 'no `--sysctl` then',
  expectedToday:
    "refused when the container starts, in words that name the sysctl and the IPC namespace; the same sysctl in the container's own namespace is applied; a containerd given such a pod (`hostIPC` with the sysctl) refuses it when its sandbox starts (on a cluster, admission refuses such a pod before any runtime sees it)",
  explanation:
    "An IPC sysctl is a property of an IPC namespace, and with `--ipc=host` the container has none of its own: writing the value would change it for the whole host. The engine leaves the IPC namespace out of the container's spec and passes the sysctl on; the runtime, which writes the sysctls, refuses an IPC sysctl where the spec has no IPC namespace. The same sysctl in a container with its own namespace is applied, as `sysctl-flag` shows. The host-IPC container asks for the kernel's default value, so that an engine that wrongly accepted it would leave the host as it was.",
  internals: (s) => told(engineSysctls(s), runtimeSysctlCheck(s), s.family === 'cri' && KUBELET_SYSCTL_ADMISSION),
  containers: {
    own: { sysctls: { 'kernel.shmmax': WANTED_SHMMAX } },
    host: { ipc: 'host', sysctls: { 'kernel.shmmax': KERNEL_DEFAULT_SHMMAX } },
  },
  steps: [
    { id: 'run-own', do: 'run', container: 'own', why: "the sysctl in the container's own IPC namespace" },
    { id: 'own-value', do: 'exec', container: 'own', cmd: ['cat', SHMMAX] },
    {
      id: 'run-host',
      do: 'run',
      container: 'host',
      mayBeRefused: refusedWith([...HOST_REFUSED, ...ADMISSION_REFUSED]),
      why: "the same sysctl in the host's IPC namespace",
    },
    {
      id: 'run-host-unadmitted',
      do: 'run',
      container: 'host',
      skipAdmission: true,
      mayBeRefused: refusedWith(HOST_REFUSED),
      skipOn: { 'docker-api': 'no admission runs before a Docker API engine: run-host was already its own answer' },
      why: "the same pod sent to the runtime without admission: the runtime's own answer",
    },
  ],
  expect: [
    { step: 'own-value', means: "in the container's own namespace the sysctl is applied", stdout: `${WANTED_SHMMAX}\n` },
    {
      step: 'run-host',
      means: "in the host's namespace it is refused, in words that name the sysctl and the IPC namespace",
      refused: true,
      stderr: RUNTIME_WORDS,
    },
  ],
  expectOn: {
    cri: {
      why: 'On a cluster such a pod never reaches the runtime: since Kubernetes 1.29 the API server refuses an IPC sysctl on a `hostIPC` pod, and a kubelet refuses it too (shmlab applies both in their place). Sent to the runtime all the same, it is expected to be refused when its sandbox starts, as on Docker.',
      expect: [
        {
          step: 'run-host',
          means: 'refused by admission, in words that name the sysctl and hostIPC',
          refused: true,
          stderr: /"kernel\.shmmax": may not be specified when 'hostIPC' is true/,
        },
        {
          step: 'run-host-unadmitted',
          means: 'sent without admission, the runtime refuses it, in words that name the sysctl and the IPC namespace',
          refused: true,
          stderr: RUNTIME_WORDS,
        },
      ],
    },
  },
  observe: (steps) => {
    const own = valueRead(steps.get('own-value'));
    const applied = own === WANTED_SHMMAX ? 'applied' : numberIn(steps.get('own-value')) !== undefined ? `not applied (read ${own})` : own;
    const unadmitted = steps.get('run-host-unadmitted');
    const runtime = unadmitted && !unadmitted.skipped ? `; without admission: ${refusalPhrase(unadmitted, HOST_REFUSED)}` : '';
    return `own IPC namespace: ${applied}; host IPC namespace: ${refusalPhrase(steps.get('run-host'), [...HOST_REFUSED, ...ADMISSION_REFUSED])}${runtime}`;
  },
  // The runtime's own answer to the sysctl in the host's IPC namespace: without admission where shmlab applied one (a
  // pod), else the engine's. Who refused is left to the phrase.
  brief: (steps) => {
    const unadmitted = steps.get('run-host-unadmitted');
    return outcomeWord(refusalOutcome(unadmitted && !unadmitted.skipped ? unadmitted : steps.get('run-host')));
  },
  whenDiffers: (steps) => {
    const [runOwn, own, host] = ['run-own', 'own-value', 'run-host'].map((id) => steps.get(id));
    const read = numberIn(own);
    const ignored = succeeded(runOwn) && read !== undefined && read !== WANTED_SHMMAX;
    const refusal = refusalOutcome(host);
    return sentences(
      ignored && ignoredSysctl('kernel.shmmax', WANTED_SHMMAX, read),
      refusal === 'accepted' &&
        (ignored
          ? 'With `--ipc=host` the same sysctl was accepted too: neither this engine nor its runtime checks the sysctl or the namespace it would change, so a container that starts proves nothing about a kernel parameter.'
          : "With `--ipc=host` the same sysctl was accepted: this engine does not refuse an IPC sysctl for the host's IPC namespace, so a container may change the host's limits; check the host's value (`sysctl kernel.shmmax`) after such a start."),
      refusalOutcome(steps.get('run-host-unadmitted')) === 'accepted' &&
        "Sent to the runtime without admission, the `hostIPC` pod with the sysctl started: this runtime does not refuse an IPC sysctl for the host's IPC namespace, so only admission keeps such a pod from changing the node's limits.",
      refusal === 'refused' &&
        host &&
        !RUNTIME_WORDS.test(host.stderr) &&
        !ADMISSION_REFUSED.some((w) => w.words.test(host.stderr)) &&
        `The engine refused it in other words: ${JSON.stringify(host.stderr.trim())}.`,
    );
  },
};
