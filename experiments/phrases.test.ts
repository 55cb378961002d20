import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../src/model/experiment.js';
import type { RunResult } from '../src/model/result.js';
import { judge } from '../src/verdict/judge.js';
import { CONTAINERD, CRUN, GVISOR, RUNC } from '../test/observed-runs.js';
import { allFailed, byId, firstFailed } from './failed-steps.test.kit.js';
import { EXPERIMENTS } from './index.js';

const stepsOf = (run: RunResult, slug: string) => run.experiments.find((r) => r.slug === slug)?.steps ?? [];

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
  'ipc-host': "kept after restart, kept after re-creation; host owner uid 0; another host user's ipcrm: permission denied",
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
  'pod-shm-accumulates': 'starts 1–4: created, created, created, created; /dev/shm holds 1',
  'pod-shm-memory-limit': '48 MiB limit: writer killed (SIGKILL), 1 OOM kill(s) in its cgroup; no limit: written, 0 OOM kill(s) in its cgroup',
  'pg-dev-shm': '/dev/shm as it comes: no room for a 16 MiB segment (ENOSPC); sysv: joined; mmap: joined; --shm-size 1 GiB: joined',
  'pg-restart':
    'postmaster killed: old segment (unattached) and 2 /dev/shm files left, PostgreSQL removed them, recovered; stop + start, kill + start, new container: nothing left, recovered',
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
  'sysctl-flag': 'applied (kept after restart); kernel.sysrq refused by the kubelet (admission, applied by shmlab), without admission refused by runc',
  'ipc-host': "kept after restart, kept after re-creation; host owner uid 0; another host user's ipcrm: permission denied",
  'posix-shm-restart': 'kept',
  'mmap-recreate': 'layer: lost (ENOENT); volume: kept after restart',
  'kill-restart': 'System V kept; file lost (ENOENT)',
  'ipc-family-restart': 'after restart: all three kept',
  'host-sysctl-not-inherited': "own IPC namespace: a new namespace's defaults; host IPC namespace: the host's values",
  'sysctl-ipc-host-refused':
    'own IPC namespace: applied; host IPC namespace: refused by the API server (admission, applied by shmlab); without admission: refused by runc',
  'shm-rmid-forced': 'shm_rmid_forced=1: unattached lost (ENOENT), held there (nattch=1), released lost (ENOENT); default (0): unattached there (nattch=0)',
  'pod-restart-ipc': 'restart: all kept; sidecar: all kept; new pod: all lost (ENOENT); shm_rmid_forced=1: segment lost (ENOENT) at restart',
  'pod-dev-shm': '/dev/shm 65536k, sidecar shares it; 70 MB into it: ENOSPC; emptyDir on /dev/shm: 131072k',
  'pod-sysctl':
    'container set, sidecar set, after restart set, new pod defaults; kernel.sysrq refused by the kubelet (admission, applied by shmlab), without admission refused by runc',
  'pod-layer-restart': 'restart: layer lost (ENOENT), emptyDir kept, in memory kept',
  'pod-shm-accumulates': 'starts 1–4: created, created, created, ENOSPC; /dev/shm holds 4',
  'pod-shm-memory-limit': '48 MiB limit: writer killed (SIGKILL), 1 OOM kill(s) in its cgroup; no limit: written, 0 OOM kill(s) in its cgroup',
  'pod-dev-shm-emptydir': 'emptyDir on /dev/shm: 131072k, 70 MB written; other container: 65536k; after restart: object kept',
  'pod-sandbox-recreated': 'after the new sandbox: segment, mq, shm lost (ENOENT); emptydir kept; kernel.shmmax applied again',
  'pod-sidecar-holds': "after the app's restart: kept; after the sidecar's restart too: lost (ENOENT)",
  'pod-runtime-restart': "after the runtime's restart: all kept; kernel.shmmax still set; then a container restart: segment kept",
  'pg-dev-shm': '/dev/shm as it comes: no room for a 16 MiB segment (ENOSPC); sysv: joined; mmap: joined; 1 GiB emptyDir: joined',
  'pg-restart':
    'postmaster killed, restart in the pod, kill + restart in the pod: old segment (unattached) and 2 /dev/shm files left, PostgreSQL removed them, recovered; sandbox re-created: nothing left, recovered',
};

/** containerd 2.1 + crun 1.21: the experiments that run only where the runtime supports user namespaces. */
const ON_CRUN: Record<string, string> = {
  'pod-userns':
    "uid 0 in the pod: host uid 65536 (a range of 65536); pod sysctl kernel.shmmax: applied; segment read from the pod's other container: yes; /proc/sys: read-only; with procMount Unmasked: written; hostIPC: refused by the API server (admission, applied by shmlab), without admission refused by crun (the kernel refused its mount)",
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
  // The runtime failed the write's exec (runsc exit 128): nothing after it ran.
  'privileged-not-persisted': 'write engine error; after restart not run',
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
  // The limited container's exec never answered: runsc's sandbox did not come back from the write (the report's error).
  'pod-shm-memory-limit': '48 MiB limit: engine error; no limit: not run',
  'pod-shm-accumulates': 'starts 1–4: created, created, created, created; /dev/shm holds 1',
  'pg-dev-shm': '/dev/shm as it comes: no room for a 16 MiB segment (ENOSPC); sysv: joined; mmap: joined; --shm-size 1 GiB: joined',
  'pg-restart':
    'postmaster killed: old segment (unattached) and 2 /dev/shm files left, PostgreSQL removed them, recovered; stop + start, kill + start, new container: nothing left, recovered',
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
  'pod-shm-accumulates':
    "The fourth start created its object, and /dev/shm holds 1: the killed runs' objects did not stay (a restart here starts from an empty /dev/shm).",
};

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

  it('says on containerd + crun what its records show, where only it ran', () => {
    const onCrun = stepsOf(CRUN, slug);
    expect(onCrun.length > 0 && onContainerd.length === 0, 'ran on crun only').toBe(slug in ON_CRUN);
    if (slug in ON_CRUN) expect(experiment.observe(byId(onCrun))).toBe(ON_CRUN[slug]);
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
