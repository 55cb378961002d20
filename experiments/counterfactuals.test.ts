// The harness must be able to fail: each experiment is judged on the observations of a real run (test/observations/),
// then on the same observations altered as an engine that behaved otherwise would show them.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { ALPHABET, KERNEL_DEFAULT_SHMMAX } from '../src/model/experiment-kit.js';
import { familyOf, lacking } from '../src/model/family.js';
import type { RunResult } from '../src/model/result.js';
import { expectationsFor, judge } from '../src/verdict/judge.js';
import { replay } from '../test/replay.js';
import { EXPERIMENTS } from './index.js';

const observed: RunResult = JSON.parse(readFileSync(new URL('../test/observations/docker-20.10.json', import.meta.url), 'utf8'));

const gone = (call: string): Partial<StepRecord> => ({ exitCode: 10, stdout: '', stderr: `x: ${call}: ENOENT (No such file or directory)\n` });
const kept: Partial<StepRecord> = { exitCode: 0, stdout: ALPHABET, stderr: '' };

/** What an engine that behaved otherwise would have shown, per experiment: the story and the altered steps. */
const OTHERWISE: Record<string, { story: string; steps: Record<string, Partial<StepRecord>> }> = {
  'ipc-family-restart': {
    story: 'the semaphore set keeps its value across the restart',
    steps: { 'sem-after': { exitCode: 0, stdout: 'value=7\n', stderr: '' } },
  },
  'ipc-family-pause': {
    story: 'the queued message is gone after the thaw',
    steps: { 'msg-after': { exitCode: 13, stdout: '', stderr: 'msg-read: msgrcv: ENOMSG (No message of desired type)\n' } },
  },
  'host-sysctl-not-inherited': {
    story: "a container with its own IPC namespace inherits the host's values",
    steps: { 'private-values': { stdout: '68719476736\n250\t32000\t100\t256\n1024\n' } },
  },
  'sysctl-ipc-host-refused': {
    story: "the engine starts the container, writing the host's kernel.shmmax",
    steps: { 'run-host': { engineFailed: false, refused: undefined, exitCode: 0, stderr: '' } },
  },
  'sysctl-joined-namespace': {
    story: "the sidecar's sysctl leaves the main container's limit alone",
    steps: { 'main-after': { exitCode: 0, stdout: `${KERNEL_DEFAULT_SHMMAX}\n`, stderr: '' } },
  },
  'shm-rmid-forced': {
    story: 'the unattached segment survives, as if the sysctl changed nothing',
    steps: { 'forced-unattached': { exitCode: 0, stdout: 'key=5678 shmid=0 nattch=0 size=27\n', stderr: '' } },
  },
  'sysv-restart': { story: 'the segment is still there after the restart', steps: { 'read-after': kept } },
  'mmap-restart': { story: 'the file is gone after the restart', steps: { 'read-after': gone('open') } },
  'shmget-einval': { story: 'the 64 MiB segment is created despite the limit', steps: { 'too-big': { exitCode: 0, stderr: '' } } },
  'procsys-readonly': { story: '/proc/sys is writable and the value changes', steps: { echo: { exitCode: 0, stderr: '' }, live: { stdout: '68719476736\n' } } },
  'privileged-not-persisted': { story: 'the value survives the restart', steps: { 'after-restart': { stdout: '68719476736\n' } } },
  'startup-script': { story: 'the unprivileged container fails to start, as the blog said', steps: { 'plain-started': { state: 'exited', exitCode: 255 } } },
  'init-hook': {
    story: 'the unprivileged hook succeeds and the container keeps running',
    steps: { 'plain-outcome': { state: 'running', exitCode: null, stderr: '' } },
  },
  'sysctl-flag': { story: 'the engine accepts kernel.sysrq', steps: { 'run-sysrq': { engineFailed: false, refused: undefined, exitCode: 0, stderr: '' } } },
  'ipc-host': { story: "the host's segment is gone after the restart", steps: { 'read-after-restart': gone('shmget') } },
  'ipc-shareable': { story: 'the segment survives the holder restart', steps: { 'read-after-holder-restart': kept } },
  'posix-shm-restart': { story: '/dev/shm keeps the object across the restart', steps: { 'read-after': kept } },
  'mmap-recreate': { story: 'the volume file is gone after re-creation', steps: { 'volume-after-recreate': gone('open') } },
  'pause-unpause': { story: 'pausing destroys the segment', steps: { 'sysv-after': gone('shmget') } },
  'pg-dev-shm': {
    story: 'the parallel query finishes on the default /dev/shm, and sysv does not help',
    steps: {
      default: { exitCode: 0, stdout: 'dynamic_shared_memory_type=posix\nrows=600000\n', stderr: '' },
      sysv: {
        exitCode: 3,
        stdout: 'dynamic_shared_memory_type=sysv\n',
        stderr: 'ERROR:  could not resize shared memory segment "/PostgreSQL.1" to 16777216 bytes: No space left on device\nCONTEXT:  parallel worker\n',
      },
    },
  },
  'pg-restart': {
    story: 'the old segment is still attached after the restart and PostgreSQL does not start',
    steps: {
      'look-restart': { exitCode: 0, stdout: 'segment key=1606249 shmid=4 nattch=1 size=56\n/dev/shm: no PostgreSQL file\n', stderr: '' },
      'start-restart': {
        exitCode: 1,
        // pg-start prints its start's log on failure: PostgreSQL's last FATAL line is its answer.
        stdout:
          'LOG:  starting PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu\nFATAL:  pre-existing shared memory block (key 1606249, ID 4) is still in use\nHINT:  Terminate any old server processes associated with data directory "/pg/data".\nLOG:  database system is shut down\n',
        stderr: '',
      },
    },
  },
  'pod-shm-accumulates': {
    story: "the killed runs' objects stay and the fourth start finds no room",
    steps: {
      'create-4': { exitCode: 12, stdout: '', stderr: 'fill: write: ENOSPC (No space left on device)\n' },
      list: { stdout: 'seg.1\nseg.2\nseg.3\nseg.4\n' },
    },
  },
  'pod-shm-memory-limit': {
    story: 'the 64 MiB write succeeds under the 48 MiB limit',
    steps: { 'limited-writes': { exitCode: 0, stdout: 'fill exit=0\noom_kill_disable 0\nunder_oom 0\noom_kill 0\n', stderr: '' } },
  },
  'kill-restart': {
    story: 'the unsynced file data is lost to the kill',
    steps: { 'file-after': { exitCode: 0, stdout: '. . . . . . . . . . . . . . . . . . . . . . . . . .\n' } },
  },
  'commit-image': { story: 'the System V segment travels with the image', steps: { 'sysv-in-copy': kept } },
};

/** What "instead" must say for each counterfactual of OTHERWISE: the engine's own doing, from the altered records. */
const INSTEAD: Record<string, RegExp> = {
  'ipc-family-restart': /semaphore set kept its data across the restart/,
  'ipc-family-pause': /After pause and unpause the message queue read empty \(no message\)\. On this engine pausing does not keep/,
  'host-sysctl-not-inherited': /read the values just set on the host/,
  'sysctl-ipc-host-refused': /With `--ipc=host` the same sysctl was accepted: this engine does not refuse/,
  'sysctl-joined-namespace': /limit stayed 18446744073692774399/,
  'shm-rmid-forced': /reads 1, yet the unattached segment stayed/,
  'sysv-restart': /still there after the restart/,
  'mmap-restart': /gone after the restart \(ENOENT\)/,
  'shmget-einval': /reads the 32 MiB limit, yet its 64 MiB segment was created/,
  'procsys-readonly': /write to \/proc\/sys succeeded in an unprivileged container/,
  'privileged-not-persisted': /still in force after the restart/,
  'startup-script': /unprivileged container exited/,
  'init-hook': /Unprivileged, the hook did not stop the container/,
  'sysctl-flag': /`--sysctl kernel.sysrq=1`, a sysctl of no container namespace, was accepted/,
  'ipc-host': /gone after a restart \(ENOENT\)/,
  'ipc-shareable': /still there after the holder's restart/,
  'posix-shm-restart': /still in \/dev\/shm after the restart/,
  'mmap-recreate': /file on the volume was gone in the new container \(ENOENT\)/,
  'pause-unpause': /the System V segment was lost \(ENOENT\)/,
  'pg-dev-shm':
    /The query finished on the default \/dev\/shm \(dynamic_shared_memory_type=posix\)[\s\S]*These did not let the query finish: sysv \(ERROR: {2}could not resize shared memory segment/,
  'pg-restart':
    /PostgreSQL did not start again: stop \+ start \(FATAL: pre-existing shared memory block \(key 1606249, ID 4\) is still in use\)\. After stop \+ start \(old segment \(nattch 1\)\) the old server's shared memory was still there/,
  'kill-restart': /without the data written/,
  'commit-image': /System V segment was there in the container of the new image/,
  'pod-shm-accumulates': /The fourth start could not create its object \(ENOSPC\), and \/dev\/shm holds 4: what each killed run left stayed/,
  'pod-shm-memory-limit': /With a 48 MiB memory limit the 64 MiB write succeeded/,
};

const appliesOnDocker = (e: Experiment) => !lacking('docker-api', e.requires);

describe.each(EXPERIMENTS.filter((e) => !appliesOnDocker(e)).map((e) => [e.slug, e] as const))('%s on Docker', (slug, experiment) => {
  it(`is reported not applicable: ${lacking('docker-api', experiment.requires)}`, () => {
    expect(observed.experiments.find((r) => r.slug === slug)?.verdict).toBe('not applicable');
  });
});

describe.each(EXPERIMENTS.filter(appliesOnDocker).map((e) => [e.slug, e] as const))('%s', (slug, experiment) => {
  const result = observed.experiments.find((r) => r.slug === slug);

  it('has observations of a real run to judge', () => {
    expect(result, `no observations of ${slug} in test/observations/: refresh them from a report`).toBeDefined();
  });

  it('is judged "as expected" on what the engine did', () => {
    expect(judge(experiment, result!.steps, familyOf(observed.environment.kind)).verdict).toBe('as expected');
  });

  it(`is judged "differs" when ${OTHERWISE[slug]?.story ?? '(no counterfactual declared)'}`, () => {
    const otherwise = OTHERWISE[slug];
    expect(otherwise, `declare how an engine could behave otherwise for ${slug}`).toBeDefined();
    const altered = result!.steps.map((s) => ({ ...s, ...otherwise!.steps[s.id] }));
    expect(judge(experiment, altered, familyOf(observed.environment.kind)).verdict).toBe('differs');
  });

  it(`says what the engine did instead when ${OTHERWISE[slug]?.story ?? '(no counterfactual declared)'}`, () => {
    const altered = result!.steps.map((s) => ({ ...s, ...OTHERWISE[slug]!.steps[s.id] }));
    const instead = experiment.whenDiffers?.(new Map(altered.map((s) => [s.id, s])));
    expect(instead, INSTEAD[slug]?.toString()).toMatch(INSTEAD[slug]!);
  });
});

/** The observations of a real run on containerd 1.6 over CRI; the CRI tests below wait for them. */
const CRI_OBSERVATIONS = new URL('../test/observations/containerd-1.6.json', import.meta.url);
const observedCri: RunResult | undefined = existsSync(CRI_OBSERVATIONS) ? JSON.parse(readFileSync(CRI_OBSERVATIONS, 'utf8')) : undefined;
/** containerd 2.1 with crun 1.21: where what containerd 1.6 cannot run (user-namespaced pods) was observed. */
const observedCrun: RunResult = JSON.parse(readFileSync(new URL('../test/observations/containerd-2.1-crun.json', import.meta.url), 'utf8'));

/** A CRI run's observations of `slug`: containerd 1.6's, or where it was not applicable there, crun's. */
const criRecord = (slug: string) =>
  [observedCri, observedCrun].map((o) => o?.experiments.find((r) => r.slug === slug && r.verdict !== 'not applicable')).find(Boolean);

/** What a Kubernetes node runtime that behaved otherwise would have shown, where CRI has its own expectation. */
const OTHERWISE_CRI: Record<string, { story: string; steps: Record<string, Partial<StepRecord>> }> = {
  'sysv-restart': { story: 'the segment dies with the container, as if the restart made a new pod', steps: { 'read-after': gone('shmget') } },
  'mmap-restart': { story: 'the file is still there after the restart, as if the layer were kept', steps: { 'read-after': kept } },
  'privileged-not-persisted': {
    story: 'the value is back to the default after the restart',
    steps: { 'after-restart': { stdout: `${KERNEL_DEFAULT_SHMMAX}\n` } },
  },
  'posix-shm-restart': { story: '/dev/shm is a new, empty tmpfs after the restart', steps: { 'read-after': gone('shm_open') } },
  'mmap-recreate': { story: 'the emptyDir file is gone after a restart in the pod', steps: { 'volume-after-restart': gone('open') } },
  'kill-restart': { story: 'the System V segment dies with the killed container', steps: { 'sysv-after': gone('shmget') } },
  'ipc-family-restart': {
    story: 'the message queue dies with the container, as if the restart made a new IPC namespace',
    steps: { 'msg-after': gone('msgget') },
  },
  'pod-restart-ipc': { story: 'the restart gives the container a new IPC namespace, as Docker does', steps: { 'semaphore-after-restart': gone('semget') } },
  'pod-dev-shm': { story: "70 MB fit into the pod's /dev/shm", steps: { 'past-dev-shm': { exitCode: 0, stderr: '' } } },
  'pod-sysctl': {
    story: 'the restarted container has the defaults again',
    steps: { 'values-after-restart': { stdout: `${KERNEL_DEFAULT_SHMMAX}\n32000\t1024000000\t500\t32000\n8192\n0\n` } },
  },
  'pod-layer-restart': { story: 'the layer file survives the restart, as on Docker', steps: { 'layer-after-restart': kept } },
  'sysctl-flag': {
    story: 'the runtime starts the pod with kernel.sysrq when admission is skipped',
    steps: { 'run-sysrq-unadmitted': { engineFailed: false, refused: undefined, exitCode: 0, stderr: '' } },
  },
  'sysctl-ipc-host-refused': {
    story: 'the runtime starts the hostIPC pod with the sysctl when admission is skipped',
    steps: { 'run-host-unadmitted': { engineFailed: false, refused: undefined, exitCode: 0, stderr: '' } },
  },
  'pod-shm-accumulates': {
    story: 'the fourth start finds room: the restart emptied /dev/shm',
    steps: { 'create-4': { exitCode: 0, stdout: 'filled', stderr: '' }, list: { stdout: 'seg.1234\n' } },
  },
  'pod-shm-memory-limit': {
    story: 'the 64 MiB write succeeds under the 48 MiB limit',
    steps: { 'limited-writes': { exitCode: 0, stdout: 'fill exit=0\noom_kill_disable 0\nunder_oom 0\noom_kill 0\n', stderr: '' } },
  },
  'pod-dev-shm-emptydir': {
    story: "the container keeps the pod's 64 MiB /dev/shm despite the emptyDir",
    steps: { mounts: { stdout: 'shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0\n' } },
  },
  'pod-sandbox-recreated': { story: 'the System V segment survives the new sandbox', steps: { 'segment-after': kept } },
  'pg-restart': {
    story: 'the restart in the pod leaves nothing of the old server',
    steps: { 'look-restart': { exitCode: 0, stdout: 'segment key=1606249: none\n/dev/shm: no PostgreSQL file\n', stderr: '' } },
  },
  'pod-runtime-restart': { story: "the System V segment is gone after the runtime's restart", steps: { 'segment-after': gone('shmget') } },
  'pod-sidecar-holds': { story: "the segment is gone after the app's restart although the sidecar holds it", steps: { 'app-reads': gone('shmget') } },
  'pod-userns': {
    story: "the pod's root is the host's root and /proc/sys stays read-only with procMount: Unmasked",
    steps: {
      'uid-map': { exitCode: 0, stdout: '         0          0 4294967295\n', stderr: '' },
      'procsys-unmasked': { exitCode: 1, stdout: '', stderr: "sh: can't create /proc/sys/kernel/shmmni: Read-only file system\n" },
      'shmmni-app': { exitCode: 0, stdout: '4096\n', stderr: '' },
    },
  },
};

/** What "instead" must say for each counterfactual of OTHERWISE_CRI. */
const INSTEAD_CRI: Record<string, RegExp> = {
  'sysv-restart': /The segment was gone after the restart \(ENOENT\): this engine's restart gives the container a new IPC namespace/,
  'mmap-restart': /still there after the restart: this engine's restart kept the container's writable layer/,
  'privileged-not-persisted': /back to the kernel's default: this engine's restart gives the container a new IPC namespace/,
  'posix-shm-restart': /The object was gone after the restart \(ENOENT\): this engine gives the container a new, empty \/dev\/shm/,
  'mmap-recreate': /The file on the volume was gone after a restart \(ENOENT\)/,
  'kill-restart': /The System V segment was gone after the kill and start \(ENOENT\)/,
  'ipc-family-restart': /After the restart the message queue was gone \(ENOENT\)/,
  'pod-restart-ipc': /After the restart in the pod \(a new container, attempt \+ 1\) the semaphore set was gone/,
  'pod-dev-shm': /70 MB fit into the pod's \/dev\/shm/,
  'pod-sysctl': /but its restarted container read defaults: this runtime does not apply them all/,
  'pod-layer-restart': /writable layer was still there in the new container \(attempt \+ 1\)/,
  'sysctl-flag': /was accepted by the runtime when sent without admission/,
  'sysctl-ipc-host-refused': /Sent to the runtime without admission, the `hostIPC` pod with the sysctl started/,
  'pod-shm-accumulates': /The fourth start created its object, and \/dev\/shm holds 1: the killed runs' objects did not stay/,
  'pod-shm-memory-limit': /With a 48 MiB memory limit the 64 MiB write succeeded/,
  'pod-dev-shm-emptydir': /has a tmpfs of 65536k there, not the emptyDir's 128 MiB/,
  'pod-sandbox-recreated': /The System V segment survived the new sandbox/,
  'pg-restart': /After restart in the pod nothing of the old server was left: this runtime's restarted container did not keep the pod's IPC namespace/,
  'pod-runtime-restart': /The System V segment was gone after the runtime's restart: this runtime did not keep the pod's sandbox as it was/,
  'pod-sidecar-holds': /The segment was gone after the app's restart although the sidecar was attached to it/,
  'pod-userns':
    /The pod's uid map is "0 0 4294967295"[^.]*: its root is not a block of unprivileged host ids[\s\S]*With procMount: Unmasked the write failed \([^)]*Read-only file system\)/,
};

const appliesOnCri = (e: Experiment) => !lacking('cri', e.requires);

describe('the CRI expectations', () => {
  it.each(EXPERIMENTS.filter((e) => e.expectOn?.cri?.expect.length || e.requires?.includes('pods')).map((e) => [e.slug, e] as const))(
    '%s has a CRI counterfactual on its own steps',
    (slug, experiment) => {
      const otherwise = OTHERWISE_CRI[slug];
      expect(otherwise, `declare how a CRI runtime could behave otherwise for ${slug}`).toBeDefined();
      const ids = new Set(experiment.steps.map((s) => s.id));
      expect(Object.keys(otherwise!.steps).filter((id) => !ids.has(id))).toEqual([]);
    },
  );

  it.each(EXPERIMENTS.filter(appliesOnCri).map((e) => [e.slug, e] as const))('%s expects nothing of a step CRI skips or lacks', (_slug, experiment) => {
    const skipped = new Set(experiment.steps.filter((s) => s.evidence).map((s) => s.id));
    const ids = new Set(experiment.steps.map((s) => s.id));
    const steps = expectationsFor(experiment, 'cri').expect.map((e) => e.step);
    expect(steps.filter((id) => skipped.has(id) || !ids.has(id))).toEqual([]);
  });

  it('declares no CRI counterfactual for an experiment that does not apply there', () => {
    const notOnCri = EXPERIMENTS.filter((e) => !appliesOnCri(e)).map((e) => e.slug);
    expect(Object.keys(OTHERWISE_CRI).filter((slug) => notOnCri.includes(slug))).toEqual([]);
  });
});

describe.each(EXPERIMENTS.filter(appliesOnCri).map((e) => [e.slug, e] as const))('%s on CRI', (slug, experiment) => {
  const recorded = criRecord(slug);
  const result = recorded && { ...recorded, steps: replay(experiment, recorded.steps, 'cri') };
  const otherwise = OTHERWISE_CRI[slug] ?? OTHERWISE[slug];

  it.skipIf(!existsSync(CRI_OBSERVATIONS))('has observations of a real CRI run to judge', () => {
    expect(observedCri!.environment.kind).toBe('cri');
    expect(result, `no observations of ${slug} in ${CRI_OBSERVATIONS.pathname}: refresh them from a report`).toBeDefined();
  });

  it.skipIf(!existsSync(CRI_OBSERVATIONS))('is judged "as expected" on what the runtime did', () => {
    expect(judge(experiment, result!.steps, 'cri').verdict).toBe('as expected');
  });

  it.skipIf(!existsSync(CRI_OBSERVATIONS))(`is judged "differs" when ${otherwise?.story ?? '(no counterfactual declared)'}`, () => {
    expect(otherwise, `declare how a CRI runtime could behave otherwise for ${slug}`).toBeDefined();
    const altered = result!.steps.map((s) => ({ ...s, ...otherwise!.steps[s.id] }));
    expect(judge(experiment, altered, 'cri').verdict).toBe('differs');
  });

  it.skipIf(!existsSync(CRI_OBSERVATIONS))(`says what the runtime did instead when ${otherwise?.story ?? '(no counterfactual declared)'}`, () => {
    const altered = result!.steps.map((s) => ({ ...s, ...otherwise!.steps[s.id] }));
    const want = INSTEAD_CRI[slug] ?? INSTEAD[slug];
    expect(experiment.whenDiffers?.(new Map(altered.map((s) => [s.id, s]))), want?.toString()).toMatch(want!);
  });
});

describe.each(EXPERIMENTS.filter((e) => !appliesOnCri(e)).map((e) => [e.slug, e] as const))('%s on CRI', (slug, experiment) => {
  it.skipIf(!existsSync(CRI_OBSERVATIONS))(`is reported not applicable: ${lacking('cri', experiment.requires)}`, () => {
    expect(observedCri!.experiments.find((r) => r.slug === slug)?.verdict).toBe('not applicable');
  });
});
