// Observed phrases, "what this engine did instead" and the survival advice say only what the records show. Each
// experiment's phrase is checked on the records of real runs (Docker + runc, containerd over CRI, Docker + gVisor),
// and on runs where the engine failed every step or no step ran: there it may say only "engine error" and "not run".
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Experiment, StepRecord } from '../src/model/experiment.js';
import {
  ALPHABET,
  dataOutcome,
  errorWords,
  grouped,
  listed,
  numberIn,
  ran,
  readOutcome,
  refusalOutcome,
  valueRead,
  writeOutcome,
} from '../src/model/experiment-kit.js';
import type { RunResult } from '../src/model/result.js';
import { survivalCells } from '../src/report/render-markdown.js';
import { adviceFor, type SurvivalOutcomes } from '../src/report/survival-advice.js';
import { judge } from '../src/verdict/judge.js';
import { record } from '../test/records.js';
import { replay } from '../test/replay.js';
import { EXPERIMENTS } from './index.js';
import { MEMORY_KINDS, ON_KUBERNETES, SURVIVAL } from './survival.js';

const load = (name: string): RunResult => JSON.parse(readFileSync(new URL(`../test/observations/${name}.json`, import.meta.url), 'utf8'));
const RUNC = load('docker-20.10');
const CONTAINERD_RECORDED = load('containerd-1.6');
// As a run of today's experiments records it (steps skipped on CRI, steps dropped).
const CONTAINERD: RunResult = {
  ...CONTAINERD_RECORDED,
  experiments: CONTAINERD_RECORDED.experiments.map((r) => {
    const experiment = EXPERIMENTS.find((e) => e.slug === r.slug);
    return experiment ? { ...r, steps: replay(experiment, r.steps, 'cri') } : r;
  }),
};
const GVISOR = load('docker-20.10-runsc-2022');

const stepsOf = (run: RunResult, slug: string) => run.experiments.find((r) => r.slug === slug)?.steps ?? [];
const byId = (steps: readonly StepRecord[]) => new Map(steps.map((s) => [s.id, s]));

/** The words a phrase must not say without a record that shows it. */
const CLAIMS = /\b(applied|accepted|refused|kept|lost|set|read-only|writable|default|there|written|allowed|created|shares)\b/i;

/** Docker 20.10 + runc: the phrases as they were before phrases were checked against records (all true there). */
const ON_RUNC: Record<string, string> = {
  'sysv-restart': 'lost (ENOENT)',
  'mmap-restart': 'kept (in the writable layer)',
  'shmget-einval': 'EINVAL over 33554432; default 18446744073692774399',
  'procsys-readonly': 'read-only; live 18446744073692774399 ≠ file 68719476736',
  'privileged-not-persisted': 'set 68719476736; after restart back to default',
  'startup-script': 'privileged: applied at each start; unprivileged: running, default value',
  'init-hook': 'unprivileged: exited with status 255; privileged: value applied',
  'sysctl-flag': 'applied (kept after restart); kernel.sysrq refused by runc',
  'ipc-host': 'kept after restart, kept after re-creation',
  'ipc-shareable': 'kept after app restart; lost (ENOENT) after holder restart; private donor refused',
  'posix-shm-restart': 'lost (ENOENT); 4 MiB into /dev/shm: SIGBUS (killed, status 135)',
  'mmap-recreate': 'layer: lost (ENOENT); volume: kept',
  'pause-unpause': 'System V kept, POSIX kept',
  'kill-restart': 'System V lost (ENOENT); file kept',
  'commit-image': 'file kept; System V lost (ENOENT)',
  'ipc-family-restart': 'after restart: all three lost (ENOENT)',
  'ipc-family-pause': 'after pause + unpause: all three kept',
  'host-sysctl-not-inherited': "own IPC namespace: a new namespace's defaults; host IPC namespace: the host's values",
  'sysctl-ipc-host-refused': 'own IPC namespace: applied; host IPC namespace: refused by runc',
  'sysctl-joined-namespace': "sidecar accepted; main's limit: the default → 32 MiB, 64 MiB segment refused (EINVAL); after the sidecar: 32 MiB",
  'shm-rmid-forced': 'shm_rmid_forced=1: unattached lost (ENOENT), held there (nattch=1), released lost (ENOENT); default (0): unattached there (nattch=0)',
};

/** containerd 1.6 over CRI: the same, where a pod keeps what a Docker restart loses. */
const ON_CONTAINERD: Record<string, string> = {
  'sysv-restart': 'kept',
  'mmap-restart': 'lost (ENOENT)',
  'shmget-einval': 'EINVAL over 33554432; default 18446744073692774399',
  'procsys-readonly': 'read-only; live 18446744073692774399 ≠ file 68719476736',
  'privileged-not-persisted': 'set 68719476736; after restart kept',
  'startup-script': 'privileged: applied at each start; unprivileged: running, default value',
  'init-hook': 'unprivileged: exited with status 255; privileged: value applied',
  'sysctl-flag': 'applied (kept after restart); kernel.sysrq refused by runc',
  'ipc-host': 'kept after restart, kept after re-creation',
  'posix-shm-restart': 'kept',
  'mmap-recreate': 'layer: lost (ENOENT); volume: kept after restart',
  'kill-restart': 'System V kept; file lost (ENOENT)',
  'ipc-family-restart': 'after restart: all three kept',
  'host-sysctl-not-inherited': "own IPC namespace: a new namespace's defaults; host IPC namespace: the host's values",
  'sysctl-ipc-host-refused': 'own IPC namespace: applied; host IPC namespace: refused by runc',
  'shm-rmid-forced': 'shm_rmid_forced=1: unattached lost (ENOENT), held there (nattch=1), released lost (ENOENT); default (0): unattached there (nattch=0)',
  'pod-restart-ipc': 'restart: all kept; sidecar: all kept; new pod: all lost (ENOENT); shm_rmid_forced=1: segment lost (ENOENT) at restart',
  'pod-dev-shm': '/dev/shm 65536k, sidecar shares it; 70 MB into it: ENOSPC; emptyDir on /dev/shm: 131072k',
  'pod-sysctl': 'container set, sidecar set, after restart set, new pod defaults; kernel.sysrq refused by runc',
  'pod-layer-restart': 'restart: layer lost (ENOENT), emptyDir kept, in memory kept',
};

/**
 * Docker 20.10 + gVisor (runsc 2022), each checked against its records by reading them. Where a phrase of the old
 * code was wrong, the comment says what it claimed and what the records show.
 */
const ON_GVISOR: Record<string, string> = {
  'sysv-restart': 'lost (ENOENT)',
  // write ok, read-after a..z, `docker diff`: "A /tmp\nA /shm.txt".
  'mmap-restart': 'kept (in the writable layer)',
  // Was "exit 0 over 18446744073692774399": `limit` read 18446744073692774399 (no newline), too-big wrote 64 MiB.
  'shmget-einval': 'limit 18446744073692774399 (asked 33554432): 64 MiB created; default 18446744073692774399',
  // Was "writable?": echo exited 1 with "sh: write error: Input/output error".
  'procsys-readonly': 'write failed: Input/output error; live 18446744073692774399 ≠ file 68719476736',
  // Was "set 18446744073692774399; after restart back to default": the write failed, and every read showed the default.
  'privileged-not-persisted': 'write failed: Input/output error; value 18446744073692774399 throughout',
  // privileged-value 18446744073692774399; the await's stderr: `setting key "kernel.shmmax": Input/output error`.
  'startup-script': 'privileged: not applied (Input/output error); unprivileged: running, default value',
  // Was "privileged: not applied": privileged-outcome exited with 255, its exec never found a running container.
  'init-hook': 'unprivileged: exited with status 255; privileged: exited with status 255',
  // Was "applied (lost after restart)": value and after-restart both read 18446744073692774399; run-sysrq exit 0.
  'sysctl-flag': 'not applied (read 18446744073692774399, also after restart); kernel.sysrq accepted',
  'ipc-host': 'lost (ENOENT) after restart, lost (ENOENT) after re-creation',
  'ipc-shareable': 'lost (ENOENT) after app restart; lost (ENOENT) after holder restart; private donor refused',
  'posix-shm-restart': 'lost (ENOENT); 4 MiB into /dev/shm: SIGBUS (killed, status 135)',
  'mmap-recreate': 'layer: lost (ENOENT); volume: kept',
  'pause-unpause': 'System V kept, POSIX kept',
  'kill-restart': 'System V lost (ENOENT); file kept',
  'commit-image': 'file kept; System V lost (ENOENT)',
  // Was "all three lost (ENOENT)": write-mq failed (mq_send: ENOSYS), so the queue never held the message.
  'ipc-family-restart': 'after restart: semaphore set, message queue lost (ENOENT); POSIX queue write failed (ENOSYS)',
  // Was "POSIX queue read failed (exit 11, ENOSYS)": the write had already failed with ENOSYS.
  'ipc-family-pause': 'after pause + unpause: semaphore set, message queue kept; POSIX queue write failed (ENOSYS)',
  'sysctl-ipc-host-refused': 'own IPC namespace: not applied (read 18446744073692774399); host IPC namespace: accepted',
  // Was "main's limit: the default → the default, …; after the sidecar: the default": true, said once.
  'sysctl-joined-namespace': "sidecar accepted; main's limit the default throughout, 64 MiB segment allowed",
  // Was "shm_rmid_forced=?" and "default (?)": both cats failed with "No such file or directory".
  // every sysv-stat found its segment (nattch=0, 1, 0, 0).
  'shm-rmid-forced': 'shm_rmid_forced unreadable: unattached, held and released segments all there, as without it',
};

/** The experiments gVisor differs in (judged anew from its records), and what "instead" must say for each. */
const GVISOR_INSTEAD: Record<string, (string | RegExp)[]> = {
  'shmget-einval': [
    '`--sysctl kernel.shmmax=33554432` was accepted',
    'reads 18446744073692774399',
    'ignores the setting',
    'no other setting was tried here',
    '64 MiB segment was created',
  ],
  'procsys-readonly': ['`Input/output error`, not `Read-only file system`', 'cannot be changed from inside this container'],
  'privileged-not-persisted': [
    'failed (`Input/output error`)',
    'the value stayed 18446744073692774399',
    'privileged or not',
    'No setting tried in this run changed them',
  ],
  'startup-script': ["start script's `sysctl -p` failed (`Input/output error`)", 'runs with 18446744073692774399', 'No setting tried in this run changed them'],
  'init-hook': ["hook's `sysctl -p` failed (`Input/output error`)", 'exited with status 255', 'No setting tried in this run changed them'],
  'sysctl-flag': [
    '`--sysctl kernel.shmmax=68719476736` was accepted',
    'reads 18446744073692774399',
    'ignores the setting',
    '`--sysctl kernel.sysrq=1`',
    'was accepted too',
  ],
  'ipc-host': [
    '`--ipc=host`',
    'gone after a restart, a kill and re-creating the container (ENOENT)',
    "is not the host's",
    'Sharing memory with host processes',
    'does not work',
  ],
  'ipc-shareable': ["gone after the app's restart (ENOENT)", 'while the holder kept running', '`--ipc=container:<holder>`'],
  'ipc-family-restart': [
    'ENOSYS (Function not implemented) from `mq_send`',
    'does not implement that call, so a program that uses POSIX message queues cannot run on it',
  ],
  'ipc-family-pause': [
    'ENOSYS (Function not implemented) from `mq_send`',
    'does not implement that call, so a program that uses POSIX message queues cannot run on it',
    'the semaphore set and message queue worked',
  ],
  'sysctl-ipc-host-refused': ['reads 18446744073692774399', 'ignores the setting', 'With `--ipc=host` the same sysctl was accepted too'],
  'sysctl-joined-namespace': ['`--sysctl kernel.shmmax=33554432` was accepted', 'stayed 18446744073692774399', '64 MiB segment was created'],
  'shm-rmid-forced': ['cannot read /proc/sys/kernel/shm_rmid_forced (No such file or directory)', 'stayed', '`IPC_RMID`'],
};

/** Docker + runc, as expected: what "instead" says anyway when asked (every sentence conditioned on a record). */
const RUNC_INSTEAD: Record<string, string | undefined> = {
  'sysv-restart':
    "The segment was gone after the restart (ENOENT): this engine's restart gives the container a new IPC namespace, so System V data does not outlive a restart; keep it in a file on a volume, or in an IPC namespace that outlives the container.",
  'mmap-restart': "The file was still there after the restart: this engine's restart kept the container's writable layer, where the file lives.",
  'ipc-family-restart': 'After the restart the semaphore set, message queue and POSIX queue were gone (ENOENT).',
  'privileged-not-persisted':
    "After the restart the value was back to the kernel's default: this engine's restart gives the container a new IPC namespace, so a value set by hand is lost at every restart; set it at each start (a start script, or `--sysctl`).",
  'ipc-shareable':
    "The segment survived the app's restart but was gone after the holder's (ENOENT): the holder owns the namespace, so the data lives only as long as the holder runs.",
  'posix-shm-restart':
    'The object was gone after the restart (ENOENT): this engine gives the container a new, empty /dev/shm at each start, so POSIX shared memory does not outlive a restart; map a file on a volume to keep the data.',
  'mmap-recreate':
    'The file on the volume was there in the new container: the volume outlived the container it was mounted in, so it carries data to the next one.',
  'kill-restart':
    "The System V segment was gone after the kill and start (ENOENT): the killed container's IPC namespace went with its processes. The POSIX object was gone after the kill and start (ENOENT): the container's /dev/shm went with its processes.",
};

/** Every step's record as an engine that failed them all shows it. */
const allFailed = (e: Experiment) =>
  byId(
    e.steps.map((s) =>
      record(s.id, {
        action: s.do,
        container: s.container,
        exitCode: null,
        stdout: '',
        stderr: 'Error response from daemon: container is not running',
        engineFailed: true,
      }),
    ),
  );
/** As the runner leaves it: the first step failed, and nothing after it ran. */
const firstFailed = (e: Experiment) => new Map([...allFailed(e)].slice(0, 1));

describe.each(EXPERIMENTS.map((e) => [e.slug, e] as const))('%s', (slug, experiment) => {
  const onRunc = stepsOf(RUNC, slug);
  const onContainerd = stepsOf(CONTAINERD, slug);
  const onGvisor = stepsOf(GVISOR, slug);

  it('says on Docker + runc what it said before, where it ran', () => {
    expect(onRunc.length > 0, 'ran on Docker').toBe(slug in ON_RUNC);
    if (onRunc.length) expect(experiment.observe(byId(onRunc))).toBe(ON_RUNC[slug]);
  });

  it('says on containerd what it said before, where it ran', () => {
    expect(onContainerd.length > 0, 'ran on containerd').toBe(slug in ON_CONTAINERD);
    if (onContainerd.length) expect(experiment.observe(byId(onContainerd))).toBe(ON_CONTAINERD[slug]);
  });

  it('says on gVisor what its records show', () => {
    expect(onGvisor.length > 0, 'ran on gVisor').toBe(slug in ON_GVISOR);
    if (onGvisor.length) expect(experiment.observe(byId(onGvisor))).toBe(ON_GVISOR[slug]);
  });

  it.each([
    ['every step failed by the engine', allFailed(experiment), 'engine error'],
    ['the first step failed, no other ran', firstFailed(experiment), /engine error|not run/],
    ['no step ran', new Map<string, StepRecord>(), 'not run'],
  ] as const)('claims nothing when %s', (_how, steps, word) => {
    const phrase = experiment.observe(steps);
    expect(phrase).toMatch(word);
    expect(phrase).not.toMatch(CLAIMS);
    expect(phrase).not.toMatch(/\?|undefined|null|NaN/);
    expect(experiment.whenDiffers?.(steps)).toBeUndefined();
  });

  it('keeps its phrase short enough for a table cell where its wording is new', () => {
    if (onGvisor.length && ON_GVISOR[slug] !== ON_RUNC[slug]) expect(ON_GVISOR[slug]!.length).toBeLessThanOrEqual(92);
  });

  it('says what gVisor did instead, where it differs', () => {
    const differs = onGvisor.length > 0 && judge(experiment, onGvisor, 'docker-api').verdict === 'differs';
    expect(differs).toBe(slug in GVISOR_INSTEAD);
    if (!differs) return;
    const instead = experiment.whenDiffers?.(byId(onGvisor));
    expect(instead).toBeTypeOf('string');
    for (const part of GVISOR_INSTEAD[slug]!)
      expect(instead).toMatch(typeof part === 'string' ? new RegExp(part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : part);
    // Nothing but what the gVisor records show: no read-only mount, and a value that was never set is not named as set.
    expect(instead).not.toMatch(/read-only file system:|is set to 68719476736|value applied/i);
  });

  it('says nothing false on Docker + runc, where nothing differs', () => {
    if (!onRunc.length) return;
    expect(judge(experiment, onRunc, 'docker-api').verdict).toBe('as expected');
    expect(experiment.whenDiffers?.(byId(onRunc))).toBe(RUNC_INSTEAD[slug]);
  });
});

describe('the kit', () => {
  const cat = (stdout: string, fields: Partial<StepRecord> = {}) => record('value', { stdout, ...fields });

  it('reads a value with or without its trailing newline', () => {
    expect(numberIn(cat('18446744073692774399\n'))).toBe('18446744073692774399');
    expect(numberIn(cat('18446744073692774399'))).toBe('18446744073692774399');
    expect(valueRead(cat('', { exitCode: 1, stderr: "cat: can't open '/proc/sys/kernel/shm_rmid_forced': No such file or directory\n" }))).toBe(
      'unreadable (No such file or directory)',
    );
    expect(valueRead(undefined)).toBe('not run');
    expect(valueRead(cat('', { engineFailed: true, exitCode: null, stderr: 'container is not running' }))).toBe('engine error');
  });

  it("names a write's failure in its own words", () => {
    expect(writeOutcome(record('w', { exitCode: 1, stderr: "sh: can't create /proc/sys/kernel/shmmax: Read-only file system\n" }))).toBe(
      'failed: Read-only file system',
    );
    expect(writeOutcome(record('w', { exitCode: 1, stderr: 'sh: write error: Input/output error\n' }))).toBe('failed: Input/output error');
    expect(writeOutcome(record('w', { exitCode: 12, stderr: 'mq-write: mq_send: ENOSYS (Function not implemented)\n' }))).toBe('failed: ENOSYS');
    expect(writeOutcome(record('w'))).toBe('written');
    expect(writeOutcome(undefined)).toBe('not run');
    expect(
      errorWords(
        record('w', {
          exitCode: 255,
          stderr: 'sysctl: setting key "kernel.shmmax": Input/output error\nsysctl: setting key "kernel.shmall": Input/output error\n',
        }),
      ),
    ).toBe('Input/output error');
  });

  it('says "not run" for a read that did not run, or was skipped, and compares data by content', () => {
    expect(readOutcome(undefined)).toBe('not run');
    expect(readOutcome(record('changes', { skipped: 'CRI has no diff' }))).toBe('not run');
    expect(readOutcome(record('r', { stdout: ALPHABET.trimEnd() }))).toBe('kept');
    expect(ran(record('r', { skipped: 'no such operation' }))).toBe(false);
  });

  it('says "lost" only of data a write stored', () => {
    const gone = record('r', { exitCode: 10, stderr: 'mq-read: mq_open: ENOENT (No such file or directory)\n' });
    expect(dataOutcome(record('w'), gone)).toBe('lost (ENOENT)');
    expect(dataOutcome(record('w', { exitCode: 12, stderr: 'mq-write: mq_send: ENOSYS (Function not implemented)\n' }), gone)).toBe('write failed (ENOSYS)');
    expect(dataOutcome(undefined, undefined)).toBe('not run');
  });

  it('tells a refusal from an acceptance and from an engine failure', () => {
    expect(
      refusalOutcome(record('run', { exitCode: 1, engineFailed: true, refused: true, stderr: 'sysctl "kernel.sysrq" is not in a separate kernel namespace' })),
    ).toBe('refused');
    expect(refusalOutcome(record('run', { stdout: 'c0ffee\n' }))).toBe('accepted');
    expect(refusalOutcome(record('run', { exitCode: null, engineFailed: true, stderr: 'Error response from daemon: container is not running' }))).toBe(
      'engine error',
    );
    expect(refusalOutcome(undefined)).toBe('not run');
  });

  it('groups and lists in words', () => {
    expect(grouped(['a', 'b', 'c'], ['kept', 'kept', 'kept'], 'all three')).toBe('all three kept');
    expect(grouped(['a', 'b', 'c'], ['kept', 'lost', 'kept'], 'all three')).toBe('a, c kept; b lost');
    expect(listed(['a', 'b', 'c'])).toBe('a, b and c');
  });
});

/** The survival table's cells as the report renders them (src/report/render-markdown.ts: survivalCells). */
function cells(run: RunResult): SurvivalOutcomes {
  return Object.fromEntries([...survivalCells(run, new Map(EXPERIMENTS.map((e) => [e.slug, e])))].map(([key, c]) => [key, c.text]));
}

describe('survival advice', () => {
  const kinds = (outcomes: SurvivalOutcomes) =>
    (Object.keys(MEMORY_KINDS) as (keyof typeof MEMORY_KINDS)[]).filter((k) => Object.keys(outcomes).some((key) => key.startsWith(`${k}/`)));

  it.each([
    ['Docker + runc', RUNC, false],
    ['containerd', CONTAINERD, true],
  ] as const)('is the usual advice where %s did what it describes', (_name, run, kube) => {
    const outcomes = cells(run);
    expect(kinds(outcomes).length).toBeGreaterThan(8);
    for (const k of kinds(outcomes))
      expect(adviceFor(k, outcomes, SURVIVAL, kube ? 'cri' : 'docker-api'), k).toBe(
        (kube ? ON_KUBERNETES.kinds[k] : undefined)?.advice ?? MEMORY_KINDS[k].advice,
      );
  });

  it("follows gVisor's outcomes: no `--ipc=host` or holder where they lost their data, no ENOSYS queue called kept", () => {
    const outcomes = cells(GVISOR);
    expect(adviceFor('sysv-host', outcomes, SURVIVAL, 'docker-api')).toBe(
      "in this run lost at stop + start, kill (SIGKILL) + start and remove + new container. A segment made with `--ipc=host` did not outlive the container here, as one in the host's IPC namespace would: this engine's `--ipc=host` is not the host's IPC namespace. To keep it across stop + start, kill (SIGKILL) + start and remove + new container, keep the data in a file on a named volume (seen to keep its data only at stop + start and remove + new container in this run).",
    );
    expect(adviceFor('sysv-private', outcomes, SURVIVAL, 'docker-api')).toBe(
      "in this run kept across pause + unpause; lost at stop + start, kill (SIGKILL) + start, remove + new container and commit + new container. It lives only as long as the container's processes. To keep it across stop + start, kill (SIGKILL) + start and remove + new container, keep the data in a file on a named volume (seen to keep its data only at stop + start and remove + new container in this run). In this run `--ipc=host` and `--ipc=container:<holder>` lost their data too, so they are no way to keep it here.",
    );
    expect(adviceFor('sysv-holder', outcomes, SURVIVAL, 'docker-api')).toMatch(
      /^in this run lost at stop \+ start\. The running holder's IPC namespace did not keep the app's data/,
    );
    expect(adviceFor('posix-mq', outcomes, SURVIVAL, 'docker-api')).toMatch(
      /^in this run stop \+ start: write failed \(ENOSYS\); pause \+ unpause: write failed \(ENOSYS\)\. .*answered a call this kind of memory needs with ENOSYS/,
    );
    for (const k of ['sysv-host', 'sysv-holder', 'sysv-private'] as const)
      expect(adviceFor(k, outcomes, SURVIVAL, 'docker-api')).not.toMatch(/survives restarts|hold it in another IPC namespace/);
    // Where gVisor did what the usual advice says, the usual advice stands.
    expect(adviceFor('mmap-layer', outcomes, SURVIVAL, 'docker-api')).toBe(MEMORY_KINDS['mmap-layer'].advice);
  });

  it('says nothing of survival where every read failed or did not run', () => {
    const outcomes = Object.fromEntries(Object.keys(cells(RUNC)).map((key, i) => [key, i % 2 ? 'engine error' : 'not run']));
    for (const k of kinds(outcomes)) {
      const advice = adviceFor(k, outcomes, SURVIVAL, 'docker-api');
      expect(advice, k).toMatch(/^in this run /);
      expect(advice, k).not.toMatch(/\b(kept|lost|survives|outlives)\b/);
    }
  });

  it('says which operations keep it and which lose it where a run is mixed', () => {
    const advice = adviceFor('mmap-volume', { 'mmap-volume/restart': 'kept', 'mmap-volume/recreate': 'lost (ENOENT)' }, SURVIVAL, 'docker-api');
    expect(advice).toBe(
      "in this run kept across stop + start; lost at remove + new container. This engine's volume did not keep its files: data that must last needs other storage.",
    );
  });
});
