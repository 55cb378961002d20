// Counterfactuals of statements reports once made that their transcripts did not support: each feeds the records that
// produced the false sentence and checks that a true one comes out now.
import { describe, expect, it } from 'vitest';
import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { FAMILIES, lacking } from '../src/model/family.js';
import { isRefusal } from '../src/run/step-runner.js';
import { record } from '../test/records.js';
import { EXPERIMENTS } from './index.js';

const experiment = (slug: string): Experiment => EXPERIMENTS.find((e) => e.slug === slug)!;
const byId = (steps: StepRecord[]) => new Map(steps.map((s) => [s.id, s]));
/** An engine's error answer, as dockerode throws it. */
const answer = (message: string) => Object.assign(new Error(message), { statusCode: 500, json: { message } });

/** Each step that may be refused, with words that merely mention its subject and words that refuse it. */
const REFUSALS: [slug: string, step: string, notARefusal: string, refusal: string][] = [
  [
    'ipc-shareable',
    'run-joiner',
    "can't join IPC of container 0608437c0e56: container 0608437c0e56 is not running",
    "can't join IPC of container cb379eba2252: non-shareable IPC (hint: use IpcMode:shareable for the donor container)",
  ],
  [
    'sysctl-flag',
    'run-sysrq',
    'failed to create shim task: OCI runtime create failed: writing kernel.sysrq: context deadline exceeded: unknown',
    'failed to create shim task: OCI runtime create failed: runc create failed: sysctl "kernel.sysrq" is not in a separate kernel namespace: unknown',
  ],
  [
    'pod-sysctl',
    'run-sysrq',
    'failed to create containerd task: kernel.sysrq: shim exited',
    'failed to create containerd task: failed to create shim task: OCI runtime create failed: the sysctl `kernel.sysrq` is not namespaced: unknown',
  ],
  [
    'sysctl-ipc-host-refused',
    'run-host',
    'failed to create shim task: OCI runtime create failed: unable to join IPC: no such process: unknown',
    'failed to create shim task: OCI runtime create failed: the sysctl `kernel.shmmax` requires a new IPC namespace: unknown',
  ],
  [
    'sysctl-flag',
    'run-sysrq-unadmitted',
    'failed to create shim task: OCI runtime create failed: writing kernel.sysrq: context deadline exceeded: unknown',
    'failed to create shim task: OCI runtime create failed: runc create failed: sysctl "kernel.sysrq" is not in a separate kernel namespace: unknown',
  ],
  [
    'pod-sysctl',
    'run-sysrq-unadmitted',
    'failed to create containerd task: kernel.sysrq: shim exited',
    'failed to create containerd task: failed to create shim task: OCI runtime create failed: the sysctl `kernel.sysrq` is not namespaced: unknown',
  ],
  [
    'sysctl-ipc-host-refused',
    'run-host-unadmitted',
    'failed to create shim task: OCI runtime create failed: unable to join IPC: no such process: unknown',
    'failed to create shim task: OCI runtime create failed: runc create failed: sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace: unknown',
  ],
  [
    'pod-userns',
    'run-host',
    'failed to create shim task: OCI runtime create failed: unable to join IPC: no such process: unknown',
    "spec.HostIPC: Forbidden: when `pod.Spec.HostUsers` is false (the API server's validation, validateHostUsers, applied by shmlab in its place, before any CRI call)",
  ],
  [
    'pod-userns',
    'run-host-unadmitted',
    // An mqueue mount that failed otherwise (a missing mount point) is not the kernel refusing the host's namespace.
    'failed to create shim task: OCI runtime create failed: mount `mqueue` to `dev/mqueue`: No such file or directory',
    'failed to create containerd task: failed to create shim task: OCI runtime create failed: mount `mqueue` to `dev/mqueue`: Operation not permitted',
  ],
  [
    'ipc-host',
    'run',
    // Rootless Podman on a host without /dev/mqueue: a missing mount point, not the kernel refusing the namespace.
    'container create: statfs /dev/mqueue: no such file or directory',
    'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting "mqueue" to rootfs at "/dev/mqueue": mount mqueue:/dev/mqueue (via /proc/self/fd/6), flags: 0xe: operation not permitted: unknown',
  ],
  [
    'ipc-host',
    'run-new',
    'container create: statfs /dev/mqueue: no such file or directory',
    'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting "mqueue" to rootfs at "/dev/mqueue": mount mqueue:/dev/mqueue (via /proc/self/fd/6), flags: 0xe: operation not permitted: unknown',
  ],
  [
    'sysctl-joined-namespace',
    'run-sidecar',
    "can't join IPC of container 3bfd521b1265: container 3bfd521b1265 is not running",
    'failed to create shim task: OCI runtime create failed: runc create failed: sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace: unknown',
  ],
];

describe('a refusal counts only when the engine names the refused setting in its words for refusing it', () => {
  it('covers every step that may be refused', () => {
    const declared = EXPERIMENTS.flatMap((e) => e.steps.flatMap((s) => (s.do === 'run' && s.mayBeRefused ? [`${e.slug}/${s.id}`] : [])));
    expect(declared.sort()).toEqual(REFUSALS.map(([slug, step]) => `${slug}/${step}`).sort());
  });

  it.each(REFUSALS)('%s %s', (slug, id, notARefusal, refusal) => {
    const step = experiment(slug).steps.find((s) => s.id === id);
    if (step?.do !== 'run' || !step.mayBeRefused) throw new Error(`${slug} ${id} may not be refused`);
    // The defect: gVisor 2024's donor had died, and `/IPC|ipc/` took "can't join IPC of container …" for a refusal.
    expect(isRefusal(answer(notARefusal), step.mayBeRefused)).toBe(false);
    expect(isRefusal(answer(refusal), step.mayBeRefused)).toBe(true);
  });
});

describe('who refused is told by the words, never assumed to be runc', () => {
  const refused = (stderr: string) => record('run-sysrq', { action: 'run', exitCode: 1, engineFailed: true, refused: true, stderr });
  const phrase = (stderr: string) => experiment('sysctl-flag').observe(byId([refused(stderr)]));

  it.each([
    ['runc', 'OCI runtime create failed: runc create failed: sysctl "kernel.sysrq" is not in a separate kernel namespace: unknown'],
    ['crun', 'OCI runtime create failed: the sysctl `kernel.sysrq` is not namespaced: unknown'],
    ['Podman', "fill out specgen: sysctl 'kernel.sysrq' is not allowed"],
  ])('%s', (who, stderr) => {
    expect(phrase(stderr)).toMatch(new RegExp(`kernel\\.sysrq refused by ${who}$`));
  });
});

describe('a phrase reads the step that made what it tells of', () => {
  it("shm-rmid-forced: a hold the engine failed is told as such, not as a read that did not run (gVisor 2024's sandbox died there)", () => {
    const steps = byId([
      record('run-forced', { action: 'run', stdout: 'd91776de676e\n' }),
      record('forced-value', { exitCode: 1, stderr: "cat: can't open '/proc/sys/kernel/shm_rmid_forced': No such file or directory\n" }),
      record('forced-write', { stdout: 'wrote segment key=5678 shmid=1 size=27\n' }),
      record('forced-unattached', { stdout: 'key=5678 shmid=1 nattch=0 size=27\n' }),
      record('forced-hold', {
        exitCode: 1,
        engineFailed: true,
        stderr: 'the runtime failed the exec (exit 128): urpc method "containerManager.WaitPID" failed: EOF',
      }),
    ]);
    const phrase = experiment('shm-rmid-forced').observe(steps);
    expect(phrase).toContain('hold engine error');
    expect(phrase).not.toContain('held not run');
  });
});

describe('what a Kubernetes node fixes by how shmlab drives it is not observed as the runtime behaviour', () => {
  it("ipc-shareable does not apply on CRI: where a container joins another, shmlab puts it in that one's pod", () => {
    expect(lacking('cri', experiment('ipc-shareable').requires)).toMatch(/shmlab creates a container that joins another in that container's pod/);
    expect(lacking('docker-api', experiment('ipc-shareable').requires)).toBeUndefined();
  });

  it('posix-shm-restart: the write past a --shm-size CRI has no is not taken there', () => {
    expect(experiment('posix-shm-restart').steps.find((s) => s.id === 'past-size')?.skipOn?.cri).toMatch(/no size for \/dev\/shm/);
  });

  it("mmap-recreate: a new pod's emptyDir (a folder shmlab makes) is not read as the runtime's doing", () => {
    expect(experiment('mmap-recreate').steps.find((s) => s.id === 'volume-after-recreate')?.skipOn?.cri).toMatch(/shmlab/);
  });

  it('pod-layer-restart asks nothing of a new pod', () => {
    expect(experiment('pod-layer-restart').steps.map((s) => s.id)).not.toContain('run-new');
  });
});

describe('no claim about a named program shmlab did not run', () => {
  const texts = (e: Experiment) =>
    [
      e.title,
      e.source,
      e.blogSaw,
      e.expectedToday,
      e.explanation,
      ...Object.values(e.expectOn ?? {}).map((o) => o?.why ?? ''),
      ...(e.requires ?? []).map((c) => [FAMILIES.cri.capabilities[c], FAMILIES['docker-api'].capabilities[c]].filter((w) => w !== true).join('\n')),
    ]
      .concat(e.steps.map((s) => s.why ?? ''))
      .join('\n');
  it.each(EXPERIMENTS.map((e) => [e.slug, e] as const))('%s says nothing of PostgreSQL unless it runs PostgreSQL', (_slug, e) => {
    const runsIt = Object.values(e.containers).some((c) => c.image === 'postgresql');
    // PostgreSQL's words are quoted only where PostgreSQL runs (and its source is cited).
    if (!runsIt) expect(texts(e)).not.toMatch(/PostgreSQL|pre-existing shared memory block/);
  });

  it.each(EXPERIMENTS.map((e) => [e.slug, e] as const))('%s does not say "the kubelet restarts" without its source', (_slug, e) => {
    for (const text of texts(e).split('\n')) {
      if (/the kubelet('s)? restart/i.test(text)) expect(text).toMatch(/kuberuntime_manager\.go|as the kubelet (would|restarts)/);
      expect(text).not.toMatch(/kubelet never restarts/);
    }
  });
});
