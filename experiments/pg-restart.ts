import type { Experiment, Step, StepExpectation, StepRecord } from '../src/model/experiment.js';
import { failure, listed, ran, sentences, succeeded, unobserved } from '../src/model/experiment-kit.js';
import { KUBELET_RESTART } from './pod-kit.js';

/** The four ways PostgreSQL is stopped abruptly and started again, as the step ids name them. */
const WAYS = ['crash', 'restart', 'kill', 'recreate'] as const;
type Way = (typeof WAYS)[number];

// What pg-ipc prints: the segment under the key of postmaster.pid, and /dev/shm's PostgreSQL files.
const LEFT = /^segment key=\d+ shmid=\d+ nattch=0 size=\d+\n\/dev\/shm: PostgreSQL\.\d+/;
const NONE = /^segment key=\d+: none\n\/dev\/shm: no PostgreSQL file\n/;
const REMOVED = /the segment seen before \(shmid=\d+\): gone\n(\/dev\/shm\/PostgreSQL\.\d+ seen before: gone\n)+$/;
// PostgreSQL's words at a start after an abrupt stop (src/backend/access/transam/xlog.c, StartupXLOG; xlogrecovery.c).
const RECOVERED =
  /database system was interrupted; last known up at [^\n]+\n[\s\S]*database system was not properly shut down; automatic recovery in progress\n[\s\S]*database system is ready to accept connections/;

/** Before PostgreSQL starts again: what it left (kept for a comparison after), its start, its log, and the comparison. */
const startAgain = (way: Way, why: string, skipOn?: Step['skipOn']): Step[] => [
  { id: `look-${way}`, do: 'exec', container: 'pg', cmd: ['pg-ipc', '--save'], why, skipOn },
  { id: `start-${way}`, do: 'exec', container: 'pg', cmd: ['pg-start'], skipOn },
  { id: `log-${way}`, do: 'exec', container: 'pg', cmd: ['pg-log'], why: "the server's log of that start", skipOn },
  { id: `after-${way}`, do: 'exec', container: 'pg', cmd: ['pg-ipc', '--compare'], why: 'what is left of what the look before the start saw', skipOn },
];

const left = (way: Way, when: string): StepExpectation => ({
  step: `look-${way}`,
  means: `${when}: the old System V segment, attached by no process, and PostgreSQL's /dev/shm files are still there`,
  exitCode: 0,
  stdout: LEFT,
});
const nothingLeft = (way: Way, when: string): StepExpectation => ({
  step: `look-${way}`,
  means: `${when}: no segment under the key, no PostgreSQL file in /dev/shm`,
  exitCode: 0,
  stdout: NONE,
});
const removed = (way: Way): StepExpectation => ({
  step: `after-${way}`,
  means: 'after its start the old segment and /dev/shm files are gone',
  exitCode: 0,
  stdout: REMOVED,
});
const startedAndRecovered = (way: Way): StepExpectation[] => [
  { step: `start-${way}`, means: 'PostgreSQL starts', exitCode: 0, stdout: /started/ },
  { step: `log-${way}`, means: 'it goes through crash recovery and accepts connections, in its own words', exitCode: 0, stdout: RECOVERED },
];

/** `old segment and /dev/shm file left`, `nothing left`, … from a look before the start. */
function leftOver(look: StepRecord | undefined): string {
  const not = unobserved(look);
  if (not) return not;
  if (!succeeded(look)) return `look failed: ${failure(look)}`;
  const segment = / nattch=(\d+) /.exec(look.stdout)?.[1];
  const files = /^\/dev\/shm: (.*)$/m.exec(look.stdout)?.[1]?.match(/PostgreSQL\.\d+/g)?.length ?? 0;
  const parts = [
    segment !== undefined && `old segment (${segment === '0' ? 'unattached' : `nattch ${segment}`})`,
    files > 0 && `${files} /dev/shm ${files === 1 ? 'file' : 'files'}`,
  ].filter(Boolean);
  return parts.length ? `${parts.join(' and ')} left` : 'nothing left';
}

/** How the start went: `recovered`, `started`, or PostgreSQL's FATAL line; and whether it removed what was left. */
function startOutcome(start: StepRecord | undefined, log: StepRecord | undefined, after: StepRecord | undefined): string {
  const not = unobserved(start);
  if (not) return `start ${not}`;
  if (!succeeded(start)) return `did not start (${fatal(start) ?? failure(start)})`;
  const how = succeeded(log) && RECOVERED.test(log.stdout) ? 'recovered' : 'started';
  const still = succeeded(after) && /still there/.test(after.stdout);
  // Said only where the old segment itself is gone: PostgreSQL reaches the old /dev/shm files through it (SHMSTATE_UNATTACHED).
  const gone = succeeded(after) && /the segment seen before \(shmid=\d+\): gone/.test(after.stdout);
  return still ? `${how}, old ones still there` : gone ? `PostgreSQL removed them, ${how}` : how;
}

/** PostgreSQL's own FATAL line (pg-start prints the server log when the start fails). */
const fatal = (record: StepRecord | undefined) =>
  record?.stdout
    .split('\n')
    .findLast((l) => /FATAL:/.test(l))
    ?.replace(/^.*?FATAL:\s+/, 'FATAL: ');

const pod = (steps: ReadonlyMap<string, StepRecord>) => Boolean(steps.get('remove')?.skipped);

/** Each way as the summary names it, on the family that ran (a pod's are a restart in it and a new sandbox). */
const namesOf = (steps: ReadonlyMap<string, StepRecord>): Record<Way, string> =>
  pod(steps)
    ? { crash: 'postmaster killed', restart: 'restart in the pod', kill: 'kill + restart in the pod', recreate: 'sandbox re-created' }
    : { crash: 'postmaster killed', restart: 'stop + start', kill: 'kill + start', recreate: 'new container' };

/** What a look found left, in words, where it found something; undefined where it found nothing (or did not look). */
function found(look: StepRecord | undefined): string | undefined {
  if (!succeeded(look)) return undefined;
  const what = leftOver(look);
  return what === 'nothing left' ? undefined : what.replace(/ left$/, '');
}

export const pgRestart: Experiment = {
  slug: 'pg-restart',
  title: 'PostgreSQL 15 stopped abruptly and started again: what it finds of its shared memory, and what it does',
  section: 'C',
  source: 'PostgreSQL users: is a crashed server\'s "pre-existing shared memory block" a problem after a container or pod restart?',
  blogSaw: 'not tried',
  expectedToday:
    'after a SIGKILL of the postmaster in a running container, and after a restart of a container in a pod, its System V segment (unattached) and its /dev/shm files are still there: PostgreSQL removes them at its next start and goes through crash recovery; after a Docker or Podman stop + start, kill + start or a new container, and in a re-created pod sandbox, nothing is left; it goes through crash recovery every time',
  explanation:
    "PostgreSQL 15 keeps its main shared memory in an anonymous mapping, plus a small System V segment, whose key (recorded in line 7 of `postmaster.pid`) is the first free one from its data directory's inode number on; besides whether the old postmaster's pid is alive, the segment's count of attached processes is how a new postmaster tells that an old server still runs. At its start it tries to create that segment; if one of its data directory's is already there and no process is attached to it, it removes it and, through the control segment named in it, the dynamic shared memory segments of the old server (the files `/dev/shm/PostgreSQL.*` with `dynamic_shared_memory_type = posix`), then creates its own (src/backend/port/sysv_shmem.c, `PGSharedMemoryCreate`, case `SHMSTATE_UNATTACHED`; src/backend/storage/ipc/dsm.c, `dsm_cleanup_using_control_segment`); had a process still been attached (or the segment not been analysable), it would have stopped with `pre-existing shared memory block (key …, ID …) is still in use` (the same file, and `CreateLockFile` in src/backend/utils/init/miscinit.c, which checks first). A SysV segment and /dev/shm live as long as their IPC namespace and its tmpfs: a process killed in a running container leaves both behind, and so does a container restarted in a pod, whose IPC namespace and /dev/shm are the pod sandbox's. A container Docker or Podman starts again, or creates anew, gets a new IPC namespace and /dev/shm, and so does a pod whose sandbox is re-created. Either way the data directory, on a volume (an `emptyDir` in a pod), outlives the server, which logs `database system was interrupted` and `not properly shut down; automatic recovery in progress`, replays what its write-ahead log holds after the last checkpoint (here: `redo is not required`, nothing was written since) and accepts connections. Here PostgreSQL is not the container's first process (shmlab's idle program is, and it exits at the stop signal): the engine's stop ends it with the container's other processes, without the shutdown a SIGTERM to the postmaster would begin. pg-ipc is shmlab's look, with its sysv-stat probe and `ls /dev/shm`, at what the last server left, and after the start at whether that segment and those files are still there.",
  containers: { pg: { image: 'postgresql', volumes: [{ volume: 'pgdata', target: '/pg' }] } },
  steps: [
    { id: 'run', do: 'run', container: 'pg', why: 'the data directory on a volume (on CRI: an emptyDir)' },
    { id: 'start', do: 'exec', container: 'pg', cmd: ['pg-start'], why: 'initdb, then the server' },
    { id: 'crash', do: 'exec', container: 'pg', cmd: ['pg-crash'], why: 'SIGKILL of the postmaster; the container runs on' },
    ...startAgain('crash', 'the same container: the same IPC namespace and /dev/shm'),
    { id: 'stop', do: 'stop', container: 'pg', why: 'the server ends with its container' },
    { id: 'start-container', do: 'start', container: 'pg', why: 'a restart (on CRI, as the kubelet would: a new container, attempt + 1, in the same pod)' },
    ...startAgain('restart', 'before PostgreSQL starts'),
    { id: 'kill', do: 'kill', container: 'pg' },
    { id: 'start-killed', do: 'start', container: 'pg' },
    ...startAgain('kill', 'before PostgreSQL starts'),
    {
      id: 'remove',
      do: 'remove',
      container: 'pg',
      skipOn: {
        cri: "removing a pod's container removes its pod, and with it the emptyDir that holds the data directory: a re-created sandbox (below) is a pod's counterpart",
      },
    },
    { id: 'run-new', do: 'run', container: 'pg', why: 'a new container, the same volume', skipOn: { cri: 'its container is not removed here' } },
    {
      id: 'kill-sandbox',
      do: 'kill-sandbox',
      container: 'pg',
      why: 'shmlab kills the pause process, as an OOM kill or a crash would',
      skipOn: { 'docker-api': "a pod sandbox is Kubernetes'; a new container with the same volume (above) is this engine's counterpart" },
    },
    {
      id: 'recreate-sandbox',
      do: 'recreate-sandbox',
      container: 'pg',
      why: "shmlab, as a kubelet answers a sandbox that is not ready: the pod's emptyDir stays",
      skipOn: { 'docker-api': 'its sandbox is not killed here' },
    },
    ...startAgain('recreate', 'a new IPC namespace and /dev/shm, the same data directory'),
  ],
  expect: [
    { step: 'start', means: 'PostgreSQL starts', exitCode: 0, stdout: /started/ },
    { step: 'crash', means: 'its processes end with the postmaster, none attached to its segment', exitCode: 0 },
    left('crash', 'after the SIGKILL, in the same container'),
    ...startedAndRecovered('crash'),
    removed('crash'),
    nothingLeft('restart', 'after a stop and start'),
    ...startedAndRecovered('restart'),
    nothingLeft('kill', 'after a kill and start'),
    ...startedAndRecovered('kill'),
    nothingLeft('recreate', 'in a new container'),
    ...startedAndRecovered('recreate'),
  ],
  expectOn: {
    cri: {
      why: `${KUBELET_RESTART}: the restarted container finds what the old one left in the pod's IPC namespace and /dev/shm. A re-created sandbox has new ones.`,
      expect: [
        left('restart', 'after a restart in the pod'),
        removed('restart'),
        left('kill', 'after a kill and restart in the pod'),
        removed('kill'),
        nothingLeft('recreate', 'in the re-created sandbox'),
      ],
    },
  },
  observe: (steps) => {
    const names = namesOf(steps);
    const first = steps.get('start');
    if (!succeeded(first)) return `first start: ${unobserved(first) ?? `failed (${fatal(first) ?? failure(first)})`}`;
    // Ways with the same outcome said once, in the order taken.
    const ways = new Map<string, string[]>();
    for (const w of WAYS) {
      const outcome = `${leftOver(steps.get(`look-${w}`))}, ${startOutcome(steps.get(`start-${w}`), steps.get(`log-${w}`), steps.get(`after-${w}`))}`;
      ways.set(outcome, [...(ways.get(outcome) ?? []), names[w]]);
    }
    return [...ways].map(([outcome, named]) => `${named.join(', ')}: ${outcome}`).join('; ');
  },
  // What PostgreSQL found after a restart of its container, where Docker and a pod differ (`leftovers`, `nothing left`);
  // before that, a start that failed, or old shared memory PostgreSQL did not remove.
  brief: (steps) => {
    const first = steps.get('start');
    if (!succeeded(first)) return unobserved(first) ?? 'start failed';
    if (WAYS.some((w) => ran(steps.get(`start-${w}`)) && !succeeded(steps.get(`start-${w}`)))) return 'start failed';
    if (WAYS.some((w) => succeeded(steps.get(`after-${w}`)) && /still there/.test(steps.get(`after-${w}`)!.stdout))) return 'not removed';
    const look = steps.get('look-restart');
    // The restart's look: what the old server left (a pod keeps its IPC namespace and /dev/shm), or a fresh start.
    return unobserved(look) ?? (found(look) ? 'leftovers' : succeeded(look) ? 'fresh start' : 'look failed');
  },
  whenDiffers: (steps) => {
    const names = namesOf(steps);
    const failed = WAYS.filter((w) => ran(steps.get(`start-${w}`)) && !succeeded(steps.get(`start-${w}`)));
    const still = WAYS.filter((w) => succeeded(steps.get(`after-${w}`)) && /still there/.test(steps.get(`after-${w}`)!.stdout));
    // In a pod a restart keeps the sandbox's IPC namespace and /dev/shm; elsewhere every way but the crash gets new ones.
    const keeps: readonly Way[] = pod(steps) ? ['crash', 'restart', 'kill'] : ['crash'];
    const keptAnyway = WAYS.filter((w) => !keeps.includes(w) && found(steps.get(`look-${w}`)));
    const lostAnyway = keeps.filter((w) => w !== 'crash' && succeeded(steps.get(`look-${w}`)) && !found(steps.get(`look-${w}`)));
    const crashLeftNothing = succeeded(steps.get('look-crash')) && !found(steps.get('look-crash'));
    return sentences(
      failed.length > 0 &&
        `PostgreSQL did not start again: ${failed.map((w) => `${names[w]} (${fatal(steps.get(`start-${w}`)) ?? failure(steps.get(`start-${w}`))})`).join('; ')}.`,
      keptAnyway.length > 0 &&
        `After ${listed(keptAnyway.map((w) => `${names[w]} (${found(steps.get(`look-${w}`))})`))} the old server's shared memory was still there: this engine kept the IPC namespace or /dev/shm.`,
      lostAnyway.length > 0 &&
        `After ${listed(lostAnyway.map((w) => names[w]))} nothing of the old server was left: ${pod(steps) ? "this runtime's restarted container did not keep the pod's IPC namespace and /dev/shm" : 'the segment and /dev/shm files were gone before PostgreSQL started'}.`,
      crashLeftNothing &&
        'After the postmaster was killed in its running container, no segment under its key and no PostgreSQL file in /dev/shm were there: something removed them before PostgreSQL started again.',
      still.length > 0 &&
        `After PostgreSQL started, what the old server left was still there (${still
          .map((w) =>
            steps
              .get(`after-${w}`)!
              .stdout.split('\n')
              .find((l) => l.includes('still there')),
          )
          .join('; ')}).`,
    );
  },
};
