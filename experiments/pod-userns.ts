import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { ALPHABET, dataOutcome, failure, SHMMAX, sentences, succeeded, unobserved, valueRead, WANTED_SHMMAX } from '../src/model/experiment-kit.js';
import { appliedBrief, unseen, writeBrief } from './brief-kit.js';
import { ONLY_IN_PODS } from './pod-kit.js';
import { HOST_MQUEUE_UNOWNED, refusalPhrase, refusedWith } from './refusals.js';

const SEGMENT = ['--key', '5683'];
const SHMMNI = '/proc/sys/kernel/shmmni';
const WANTED_SHMMNI = '8192';
// The pod's root mapped onto a block of host ids: `0 <first host id> 65536`, the host id never 0.
const MAPPED = /^\s*0\s+[1-9]\d*\s+65536\s*$/;
// The API server's validateHostUsers (pkg/apis/core/validation/validation.go), applied by shmlab in its place.
const ADMISSION_HOST_IPC = [{ who: 'the API server (admission, applied by shmlab)', words: /HostIPC: Forbidden: when `pod\.Spec\.HostUsers` is false/ }];

/** "read-only", "written", or the write's failure. */
function written(record: StepRecord | undefined): string {
  const not = unobserved(record);
  if (not) return `write ${not}`;
  if (succeeded(record)) return 'written';
  const words = failure(record)!;
  return /Read-only file system/.test(words) ? 'read-only' : `write failed: ${words}`;
}

/** `yes` where the other container read what the first wrote, else what became of it. */
function readBy(write: StepRecord | undefined, read: StepRecord | undefined): string {
  const outcome = dataOutcome(write, read);
  return outcome === 'kept' ? 'yes' : outcome;
}

/** The first host id the pod's uid 0 maps to, from /proc/self/uid_map. */
const hostIdOf = (record: StepRecord | undefined) => (succeeded(record) ? /^\s*0\s+(\d+)\s+(\d+)/.exec(record.stdout) : null);

export const podUserns: Experiment = {
  ...ONLY_IN_PODS,
  requires: ['pods', 'user-namespaces'],
  slug: 'pod-userns',
  title: 'A pod with a user namespace of its own (`hostUsers: false`): its IPC objects, its sysctls and /proc/sys',
  source: 'Kubernetes users: user namespaces for pods (`hostUsers: false`, on by default since Kubernetes 1.33)',
  blogSaw: 'not tried (no user namespaces in pods then)',
  expectedToday:
    "the pod's root is an unprivileged range of host ids; its containers still share its System V segments; the pod's IPC sysctls are applied; /proc/sys stays read-only unless `procMount: Unmasked`, and then the pod may change its own IPC namespace's limits; a `hostIPC` pod with `hostUsers: false` is refused by the API server, and sent to the runtime anyway its sandbox fails to start",
  explanation:
    "With `hostUsers: false` the kubelet gives the pod a user namespace of its own: ids 0–65535 in the pod are a block of 65,536 unprivileged ids on the host. The pod's IPC namespace belongs to that user namespace, and the kernel gives an IPC namespace's sysctls to the root of the user namespace that owns it (ipc/ipc_sysctl.c, `ipc_set_ownership` and `ipc_permissions`): the pod's root may change them where /proc/sys is writable. It is not by default: the kubelet asks for `/proc/sys` read-only, as in any pod; `procMount: Unmasked` (allowed only with `hostUsers: false`) asks for no read-only or masked paths. Sharing is unchanged: the pod's containers share its IPC namespace. A pod may not combine `hostUsers: false` with `hostIPC` (the API server refuses it): the host's IPC namespace belongs to the host's user namespace, and from the pod's user namespace the runtime may not even mount that IPC namespace's mqueue file system, as the pod sent without admission shows. A kubelet creates such a pod only where the runtime says its handler supports user namespaces (they need the runtime's idmapped mounts); elsewhere this experiment is not applicable, quoting the kubelet.",
  containers: {
    app: { hostUsers: false, sysctls: { 'kernel.shmmax': WANTED_SHMMAX } },
    unmasked: { hostUsers: false, ipc: 'container:app', procMount: 'Unmasked' },
    'host-ipc': { hostUsers: false, ipc: 'host' },
  },
  steps: [
    {
      id: 'run-app',
      do: 'run',
      container: 'app',
      why: "a pod with hostUsers: false and an IPC sysctl, as the kubelet sends it (the pod's own network, from the runtime's CNI)",
    },
    { id: 'uid-map', do: 'exec', container: 'app', cmd: ['cat', '/proc/self/uid_map'], why: "the pod's ids, as the host maps them" },
    { id: 'pod-sysctl', do: 'exec', container: 'app', cmd: ['cat', SHMMAX], why: "the pod's sysctl, written by the runtime inside the user namespace" },
    { id: 'write', do: 'exec', container: 'app', cmd: ['sysv-write', ...SEGMENT] },
    { id: 'owner', do: 'exec', container: 'app', cmd: ['sh', '-c', 'cat /proc/sysvipc/shm'], why: "the segment's owner, as the pod sees it" },
    {
      id: 'procsys-default',
      do: 'exec',
      container: 'app',
      cmd: ['sh', '-c', `echo ${WANTED_SHMMNI} > ${SHMMNI}`],
      why: '/proc/sys with the default procMount',
    },
    { id: 'run-unmasked', do: 'run', container: 'unmasked', why: 'a second container of the pod, with procMount: Unmasked' },
    { id: 'unmasked-reads', do: 'exec', container: 'unmasked', cmd: ['sysv-read', ...SEGMENT], why: "the app's segment, from the other container" },
    {
      id: 'procsys-unmasked',
      do: 'exec',
      container: 'unmasked',
      cmd: ['sh', '-c', `echo ${WANTED_SHMMNI} > ${SHMMNI}`],
      why: '/proc/sys with procMount: Unmasked',
    },
    { id: 'shmmni-app', do: 'exec', container: 'app', cmd: ['cat', SHMMNI], why: "the pod's value, from the app's container" },
    {
      id: 'run-host',
      do: 'run',
      container: 'host-ipc',
      mayBeRefused: refusedWith(ADMISSION_HOST_IPC),
      why: "hostUsers: false with the host's IPC namespace",
    },
    {
      id: 'run-host-unadmitted',
      do: 'run',
      container: 'host-ipc',
      skipAdmission: true,
      mayBeRefused: refusedWith(HOST_MQUEUE_UNOWNED),
      why: "the same pod sent to the runtime without admission: the runtime's own answer",
    },
  ],
  expect: [
    { step: 'uid-map', means: "the pod's root is a block of 65,536 unprivileged host ids", stdout: MAPPED },
    { step: 'pod-sysctl', means: "the pod's IPC sysctl is applied in its user namespace", stdout: `${WANTED_SHMMAX}\n` },
    {
      step: 'owner',
      means: "the segment is owned by the pod's root (uid 0 in the pod)",
      stdout: /^\s*5683\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+0\s+0\s+0\s+0\s/m,
    },
    { step: 'procsys-default', means: '/proc/sys is read-only with the default procMount', exitCode: 'non-zero', stderr: /Read-only file system/ },
    { step: 'unmasked-reads', means: "the pod's containers share its segments, as in any pod", stdout: ALPHABET },
    { step: 'procsys-unmasked', means: "with procMount: Unmasked the pod's root may change its IPC namespace's limits", exitCode: 0 },
    { step: 'shmmni-app', means: 'the new limit holds for the whole pod', stdout: `${WANTED_SHMMNI}\n` },
    {
      step: 'run-host',
      means: 'refused by admission (the API server), in words that name hostIPC and hostUsers',
      refused: true,
      stderr: ADMISSION_HOST_IPC[0]!.words,
    },
  ],
  observe: (steps) => {
    const map = hostIdOf(steps.get('uid-map'));
    return [
      `uid 0 in the pod: ${map ? `host uid ${map[1]} (a range of ${map[2]})` : valueRead(steps.get('uid-map'))}`,
      `pod sysctl kernel.shmmax: ${valueRead(steps.get('pod-sysctl')) === WANTED_SHMMAX ? 'applied' : valueRead(steps.get('pod-sysctl'))}`,
      `segment read from the pod's other container: ${readBy(steps.get('write'), steps.get('unmasked-reads'))}`,
      `/proc/sys: ${written(steps.get('procsys-default'))}; with procMount Unmasked: ${written(steps.get('procsys-unmasked'))}`,
      `hostIPC: ${refusalPhrase(steps.get('run-host'), ADMISSION_HOST_IPC)}, without admission ${refusalPhrase(steps.get('run-host-unadmitted'), HOST_MQUEUE_UNOWNED)}`,
    ].join('; ');
  },
  // The pod's root as the host maps it (`mapped`: a block of unprivileged host ids), else the first of what follows
  // that went otherwise: its sysctl, its segment seen by its other container, /proc/sys read-only unless Unmasked.
  brief: (steps) => {
    const map = steps.get('uid-map');
    const not = unobserved(map);
    if (not) return not;
    if (!succeeded(map) || !MAPPED.test(map.stdout)) return succeeded(map) ? 'not mapped' : 'unreadable';
    const sysctl = appliedBrief(steps.get('pod-sysctl'), WANTED_SHMMAX);
    if (sysctl !== 'applied') return sysctl;
    const shared = readBy(steps.get('write'), steps.get('unmasked-reads'));
    if (shared !== 'yes') return unseen(shared) ? shared : 'not shared';
    const procSys = writeBrief(steps.get('procsys-default'));
    return procSys === 'read-only' ? 'mapped' : procSys === 'written' ? 'writable' : procSys;
  },
  whenDiffers: (steps) => {
    const map = steps.get('uid-map');
    const sysctl = valueRead(steps.get('pod-sysctl'));
    const unmasked = steps.get('procsys-unmasked');
    return sentences(
      succeeded(map) &&
        !MAPPED.test(map.stdout) &&
        `The pod's uid map is ${JSON.stringify(map.stdout.trim().replace(/\s+/g, ' '))}: its root is not a block of unprivileged host ids, so it has no user namespace of its own here.`,
      succeeded(steps.get('pod-sysctl')) && sysctl !== WANTED_SHMMAX && `The pod's kernel.shmmax read ${sysctl}, not the ${WANTED_SHMMAX} it asked for.`,
      succeeded(steps.get('procsys-default')) && 'With the default procMount /proc/sys was writable: the runtime did not make it read-only.',
      failure(unmasked) && `With procMount: Unmasked the write failed (${failure(unmasked)}): the pod cannot change its own IPC limits here.`,
    );
  },
};
