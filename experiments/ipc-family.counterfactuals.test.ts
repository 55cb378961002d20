// The new System V / sysctl experiments must be able to fail: each is judged on step records made from what Docker 20.10
// and containerd 1.6 (CRI) did, on every engine family it applies to, then on the same records altered as an engine
// that behaved otherwise would show them.
import { describe, expect, it } from 'vitest';
import type { EngineKind, Experiment, StepRecord } from '../src/model/experiment.js';
import { KERNEL_DEFAULT_SHMMAX, OLD_SHMMAX, WANTED_SHMMAX } from '../src/model/experiment-kit.js';
import { familyOf, lacking } from '../src/model/family.js';
import { admissionRefusal } from '../src/model/kubelet-admission.js';
import { judge } from '../src/verdict/judge.js';
import { record } from '../test/records.js';
import { ipcFamilyPause } from './ipc-family-pause.js';
import { ipcFamilyRestart } from './ipc-family-restart.js';
import { shmRmidForced } from './shm-rmid-forced.js';
import { sysctlIpcHostRefused } from './sysctl-ipc-host-refused.js';
import { sysctlJoinedNamespace } from './sysctl-joined-namespace.js';

type Observed = Record<string, Partial<StepRecord>>;

/** One record per step of the experiment, with what was observed for it (a step not listed succeeded silently). */
function records(experiment: Experiment, observed: Observed): StepRecord[] {
  return experiment.steps.map((s) => record(s.id, { action: s.do, container: s.container, command: `${s.do} ${s.container}`, ...observed[s.id] }));
}

function alter(base: StepRecord[], changes: Observed): StepRecord[] {
  return base.map((r) => ({ ...r, ...changes[r.id] }));
}

const ok = (stdout: string): Partial<StepRecord> => ({ exitCode: 0, stdout, stderr: '' });
const gone = (program: string, call: string): Partial<StepRecord> => ({
  exitCode: 10,
  stdout: '',
  stderr: `${program}: ${call}: ENOENT (No such file or directory)\n`,
});
const started = (id: string): Partial<StepRecord> => ({ stdout: `${id}\n` });
const refusedWith = (words: string): Partial<StepRecord> => ({ exitCode: 1, stdout: '', stderr: words, engineFailed: true, refused: true });
const OWN_APPLIED: Observed = { 'run-own': started('ff302bc46f18'), 'own-value': ok(`${WANTED_SHMMAX}\n`) };
const HOST_ADMISSION = admissionRefusal({ ipc: 'host', sysctls: { 'kernel.shmmax': KERNEL_DEFAULT_SHMMAX } }) ?? '';
// A step not taken on a Docker API engine: no admission runs before it.
const NO_ADMISSION: Partial<StepRecord> = { skipped: 'no admission runs before a Docker API engine', exitCode: null };
const acceptedRun: Partial<StepRecord> = { exitCode: 0, stdout: 'c0ffee000000\n', stderr: '', engineFailed: false, refused: undefined };

// What the probes printed on Docker 20.10 and containerd 1.6.
const SEM = 'value=7\n';
const MESSAGE = 'message: shmlab\n';
const written: Observed = {
  run: started('b409e85b7180'),
  'write-sem': ok('wrote semaphore set key=5678 semid=0 value=7\n'),
  'write-msg': ok('wrote message queue key=5678 msqid=0\n'),
  'write-mq': ok('wrote POSIX queue /shmlab\n'),
};
const familyKept = (suffix: string): Observed => ({ [`sem-${suffix}`]: ok(SEM), [`msg-${suffix}`]: ok(MESSAGE), [`mq-${suffix}`]: ok(MESSAGE) });
const familyLost = (suffix: string): Observed => ({
  [`sem-${suffix}`]: gone('sem-read', 'semget'),
  [`msg-${suffix}`]: gone('msg-read', 'msgget'),
  [`mq-${suffix}`]: gone('mq-read', 'mq_open'),
});

const restartCommon: Observed = { ...written, 'mqueue-file': ok('QSIZE:6          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n'), ...familyKept('before') };

// runc's words, as Docker 20.10 and containerd 1.6 (at RunPodSandbox) passed them on.
const RUNC_HOST_IPC = 'runc create failed: sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace: unknown';
const hostRefusal = (kind: EngineKind): Partial<StepRecord> =>
  refusedWith(`${kind === 'cri' ? 'failed to create containerd task: ' : ''}failed to create shim task: OCI runtime create failed: ${RUNC_HOST_IPC}`);

const HELD = 'key=5679 shmid=1 nattch=1 size=27\n';
const rmidForced: Observed = {
  'run-forced': started('aebbf0934a30'),
  'forced-value': ok('1\n'),
  'forced-write': ok('wrote segment key=5678 shmid=0 size=27\n'),
  'forced-unattached': gone('sysv-stat', 'shmget'),
  'forced-hold': ok(HELD),
  'forced-held': ok(HELD),
  'forced-release': {
    exitCode: 10,
    stdout: 'holding\nwrote segment key=5679 shmid=1 size=27\n',
    stderr: 'sysv-stat: shmget: ENOENT (No such file or directory)\n',
  },
  'run-plain': started('7ae08049d941'),
  'plain-value': ok('0\n'),
  'plain-write': ok('wrote segment key=5678 shmid=0 size=27\n'),
  'plain-unattached': ok('key=5678 shmid=0 nattch=0 size=27\n'),
};

interface Case {
  experiment: Experiment;
  /** What the engine family did, as the experiment expects it. */
  asExpected: Partial<Record<EngineKind, Observed>>;
  /** Per family: an engine that behaved otherwise, and the steps it would have shown differently. */
  otherwise: Partial<Record<EngineKind, { story: string; steps: Observed }>>;
  /** The observe phrase for the as-expected records of each family. */
  phrase: Partial<Record<EngineKind, string>>;
  /** What "instead" says of each family's otherwise-records. */
  instead: Partial<Record<EngineKind, RegExp>>;
}

const CASES: Case[] = [
  {
    experiment: ipcFamilyRestart,
    asExpected: {
      docker: { ...restartCommon, ...familyLost('after') },
      podman: { ...restartCommon, ...familyLost('after') },
      cri: { ...restartCommon, ...familyKept('after') },
    },
    otherwise: {
      docker: { story: 'the semaphore set keeps its value across the restart', steps: { 'sem-after': ok(SEM) } },
      podman: { story: 'the POSIX queue survives the restart, as if /dev/mqueue were kept', steps: { 'mq-after': ok(MESSAGE) } },
      cri: {
        story: 'the message queue dies with the container, as if the restart made a new IPC namespace',
        steps: { 'msg-after': gone('msg-read', 'msgget') },
      },
    },
    phrase: { docker: 'after restart: all three lost (ENOENT)', podman: 'after restart: all three lost (ENOENT)', cri: 'after restart: all three kept' },
    instead: {
      docker: /The semaphore set kept its data across the restart: this engine's restart kept the container's IPC namespace/,
      podman: /The POSIX queue kept its data across the restart/,
      cri: /After the restart the message queue was gone \(ENOENT\)/,
    },
  },
  {
    experiment: ipcFamilyPause,
    asExpected: {
      docker: { ...written, paused: { state: 'paused', stdout: 'State: paused\n' }, ...familyKept('after') },
      podman: { ...written, paused: { state: 'paused', stdout: 'State: paused\n' }, ...familyKept('after') },
    },
    otherwise: {
      docker: {
        story: 'the queued message is gone after the thaw',
        steps: { 'msg-after': { exitCode: 13, stdout: '', stderr: 'msg-read: msgrcv: ENOMSG (No message of desired type)\n' } },
      },
      podman: { story: 'the container was never paused', steps: { paused: { state: 'running', stdout: 'State: running\n' } } },
    },
    phrase: { docker: 'after pause + unpause: all three kept', podman: 'after pause + unpause: all three kept' },
    instead: { docker: /the message queue read empty \(no message\)/, podman: /The container was not paused \(its state: running\)/ },
  },
  {
    experiment: sysctlIpcHostRefused,
    asExpected: {
      docker: { ...OWN_APPLIED, 'run-host': hostRefusal('docker'), 'run-host-unadmitted': NO_ADMISSION },
      podman: { ...OWN_APPLIED, 'run-host': hostRefusal('podman'), 'run-host-unadmitted': NO_ADMISSION },
      cri: { ...OWN_APPLIED, 'run-host': refusedWith(HOST_ADMISSION), 'run-host-unadmitted': hostRefusal('cri') },
    },
    otherwise: {
      docker: { story: "the engine starts the container, writing the host's kernel.shmmax", steps: { 'run-host': acceptedRun } },
      podman: {
        story: "the refusal does not say why (Podman's own list: \"sysctl 'kernel.shmmax' is not allowed\")",
        steps: { 'run-host': refusedWith("sysctl 'kernel.shmmax' is not allowed") },
      },
      cri: {
        story: "RunPodSandbox, sent the pod without admission, accepts the hostIPC pod's sysctl, writing the node's kernel.shmmax",
        steps: { 'run-host-unadmitted': acceptedRun },
      },
    },
    phrase: {
      docker: 'own IPC namespace: applied; host IPC namespace: refused by runc',
      podman: 'own IPC namespace: applied; host IPC namespace: refused by runc',
      cri: 'own IPC namespace: applied; host IPC namespace: refused by the API server (admission, applied by shmlab); without admission: refused by runc',
    },
    instead: {
      docker: /does not refuse an IPC sysctl for the host's IPC namespace/,
      podman: /refused it in other words: "sysctl 'kernel.shmmax' is not allowed"/,
      cri: /Sent to the runtime without admission, the `hostIPC` pod with the sysctl started: this runtime does not refuse/,
    },
  },
  {
    experiment: sysctlJoinedNamespace,
    asExpected: {
      docker: {
        'run-main': started('63796acf2681'),
        'main-before': ok(`${KERNEL_DEFAULT_SHMMAX}\n`),
        'big-before': ok('wrote segment key=5678 shmid=0 size=67108864 (removed)\n'),
        'run-sidecar': started('e18f8f06ce05'),
        'main-after': ok(`${OLD_SHMMAX}\n`),
        'big-after': { exitCode: 10, stdout: '', stderr: 'sysv-write: shmget: EINVAL (Invalid argument)\n' },
        'main-without-sidecar': ok(`${OLD_SHMMAX}\n`),
      },
    },
    otherwise: {
      docker: {
        story: 'the runtime refuses a sysctl for an IPC namespace it did not create, and the main limit stays',
        steps: {
          'run-sidecar': refusedWith('OCI runtime create failed: the sysctl `kernel.shmmax` requires a new IPC namespace'),
          'main-after': ok(`${KERNEL_DEFAULT_SHMMAX}\n`),
          'big-after': ok('wrote segment key=5678 shmid=1 size=67108864 (removed)\n'),
          'main-without-sidecar': ok(`${KERNEL_DEFAULT_SHMMAX}\n`),
        },
      },
      podman: { story: 'the sidecar gets a value of its own and the main limit stays', steps: { 'main-after': ok(`${KERNEL_DEFAULT_SHMMAX}\n`) } },
    },
    phrase: { docker: "sidecar accepted; main's limit: the default → 32 MiB, 64 MiB segment refused (EINVAL); after the sidecar: 32 MiB" },
    instead: {
      docker: /The sidecar was refused .*requires a new IPC namespace/,
      podman: /limit stayed 18446744073692774399: on this engine a sidecar's sysctl does not reach the namespace it joins/,
    },
  },
  {
    experiment: shmRmidForced,
    asExpected: { docker: rmidForced, podman: rmidForced, cri: { ...rmidForced, 'run-forced': started('shmlab-mwx6y'), 'run-plain': started('shmlab-mwx6y') } },
    otherwise: {
      docker: {
        story: 'the unattached segment survives, as if the sysctl changed nothing',
        steps: { 'forced-unattached': ok('key=5678 shmid=0 nattch=0 size=27\n') },
      },
      podman: { story: 'the segment goes although a process holds it attached', steps: { 'forced-held': gone('sysv-stat', 'shmget') } },
      cri: {
        story: 'the pod sysctl is not applied: the value is 0 and the released segment stays',
        steps: {
          'forced-value': ok('0\n'),
          'forced-release': { exitCode: 0, stdout: 'holding\nwrote segment key=5679 shmid=1 size=27\nkey=5679 shmid=1 nattch=0 size=27\n', stderr: '' },
        },
      },
    },
    phrase: {
      docker: 'shm_rmid_forced=1: unattached lost (ENOENT), held there (nattch=1), released lost (ENOENT); default (0): unattached there (nattch=0)',
      cri: 'shm_rmid_forced=1: unattached lost (ENOENT), held there (nattch=1), released lost (ENOENT); default (0): unattached there (nattch=0)',
    },
    instead: {
      docker: /reads 1, yet the unattached segment stayed/,
      podman: /held attached was gone \(ENOENT\) while its holder ran/,
      cri: /the container reads 0: this engine or its runtime ignores the setting\. Segments nobody is attached to stayed/,
    },
  },
];

const KINDS: EngineKind[] = ['docker', 'podman', 'cri'];
const appliesOn = (e: Experiment, kind: EngineKind) => !lacking(familyOf(kind), e.requires);

describe.each(CASES.map((c) => [c.experiment.slug, c] as const))('%s', (_slug, c) => {
  const { experiment } = c;
  // The same record shapes Docker 20.10 showed stand for Podman, which shares the Docker API's lifecycle.
  const observedOn = (kind: EngineKind) => c.asExpected[kind] ?? (kind === 'podman' ? c.asExpected.docker : undefined);

  it('is section C, and declares an observation, an expectation or a reason for every engine family', () => {
    expect(experiment.section).toBe('C');
    for (const kind of KINDS) {
      if (appliesOn(experiment, kind)) expect(observedOn(kind), `records for ${kind}`).toBeDefined();
      else expect(lacking(familyOf(kind), experiment.requires), `why ${experiment.slug} does not apply on ${kind}`).toBeTruthy();
    }
  });

  it.each(KINDS.filter((k) => appliesOn(experiment, k)))('is judged "as expected" on what %s did', (kind) => {
    const judgement = judge(experiment, records(experiment, observedOn(kind)!), familyOf(kind));
    expect(judgement.differences).toEqual([]);
    expect(judgement.verdict).toBe('as expected');
  });

  it.each(KINDS.filter((k) => appliesOn(experiment, k)))('is judged "differs" on %s when it behaves otherwise', (kind) => {
    const otherwise = c.otherwise[kind];
    expect(otherwise, `declare how ${kind} could behave otherwise for ${experiment.slug}`).toBeDefined();
    const ids = new Set(experiment.steps.map((s) => s.id));
    expect(Object.keys(otherwise!.steps).filter((id) => !ids.has(id))).toEqual([]);
    const judgement = judge(experiment, alter(records(experiment, observedOn(kind)!), otherwise!.steps), familyOf(kind));
    expect(judgement.verdict, otherwise!.story).toBe('differs');
  });

  it.each(KINDS.filter((k) => appliesOn(experiment, k)))('says what %s did instead when it behaves otherwise', (kind) => {
    const altered = alter(records(experiment, observedOn(kind)!), c.otherwise[kind]!.steps);
    expect(experiment.whenDiffers?.(new Map(altered.map((r) => [r.id, r]))), c.otherwise[kind]!.story).toMatch(c.instead[kind]!);
  });

  it.each(KINDS.filter((k) => c.phrase[k]))('observes on %s only what the records show', (kind) => {
    const byId = new Map(records(experiment, observedOn(kind)!).map((r) => [r.id, r]));
    expect(experiment.observe(byId)).toBe(c.phrase[kind]);
  });

  it.each(KINDS.filter((k) => appliesOn(experiment, k)))('has survival cells that read steps it takes, "kept" exactly when %s kept the data', (kind) => {
    const byId = new Map(records(experiment, observedOn(kind)!).map((r) => [r.id, r]));
    for (const cell of experiment.survival ?? []) {
      const r = byId.get(cell.step)!;
      expect(r, cell.step).toBeDefined();
      const kept = r.exitCode === 0 && r.stdout === cell.kept;
      expect(kept, `${cell.kind}/${cell.operation} on ${kind}`).toBe(!(experiment === ipcFamilyRestart && kind !== 'cri'));
    }
  });

  it('says "not run" for the steps that did not run', () => {
    const phrase = experiment.observe(new Map());
    expect(phrase).toMatch(/not run/);
    expect(phrase).not.toMatch(/kept|lost|applied|accepted|refused|there/);
  });
});

describe('per-family stories', () => {
  it('gives ipc-family-restart its own CRI expectation, with a why', () => {
    expect(ipcFamilyRestart.expectOn?.cri?.why).toMatch(/pod/);
  });

  it.each([ipcFamilyPause, sysctlJoinedNamespace])('$slug does not apply on CRI and says why', (experiment) => {
    expect(appliesOn(experiment, 'cri')).toBe(false);
    expect(lacking('cri', experiment.requires)).toBeTruthy();
  });

  it('declares no story for a family an experiment does not apply to', () => {
    for (const c of CASES) {
      const extra = KINDS.filter((k) => !appliesOn(c.experiment, k) && (c.otherwise[k] || c.asExpected[k]));
      expect(extra, c.experiment.slug).toEqual([]);
    }
  });
});
