import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { ran, sentences, unobserved } from '../src/model/experiment-kit.js';
import { MIB } from './pod-kit.js';

const LIMIT = 48 * MIB;
const TMPFS = 128 * MIB;
const WRITE = String(64 * MIB);
// The write, its exit status, then the cgroup's own count of OOM kills: cgroup v1's memory.oom_control, or v2's
// memory.events. The writer maps the file, so that its pages count in its own size and the OOM killer, which picks the
// largest process of the cgroup, picks it and not the shell that reports; and it unlinks the file once open, so that
// a killed writer's pages go with it, and the shell can go on (their charge would fill the cgroup).
const FILL_AND_TELL = [
  'sh',
  '-c',
  `fill --mmap --unlink --path /dev/shm/big --size ${WRITE}; echo "fill exit=$?"; cat /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null || cat /sys/fs/cgroup/memory.events`,
];
const shm = [{ volume: 'shm', target: '/dev/shm', medium: 'Memory' as const, sizeBytes: TMPFS }];

/** `exit=N` of the write, and the cgroup's oom_kill count, from a FILL_AND_TELL step. */
function told(record: StepRecord | undefined): { exit?: string; oomKills?: string; not?: string } {
  const not = unobserved(record);
  if (not) return { not };
  return { exit: record!.stdout.match(/fill exit=(\d+)/)?.[1], oomKills: record!.stdout.match(/^oom_kill (\d+)/m)?.[1] };
}

const phrase = (r: ReturnType<typeof told>) =>
  r.not ??
  `${r.exit === '0' ? 'written' : r.exit === '137' ? 'writer killed (SIGKILL)' : `exit ${r.exit ?? 'unknown'}`}, ${r.oomKills ?? 'no'} OOM kill(s) in its cgroup`;

export const podShmMemoryLimit: Experiment = {
  slug: 'pod-shm-memory-limit',
  title: "/dev/shm pages count against the writer's memory limit: a bigger /dev/shm than the limit moves the failure to an OOM kill",
  section: 'C',
  source: 'Kubernetes and Docker users: a container OOM-killed after its /dev/shm was made bigger (an emptyDir with medium: Memory, --shm-size)',
  blogSaw: 'not tried',
  expectedToday:
    'in a container with a 48 MiB memory limit and a 128 MiB tmpfs on `/dev/shm`, writing 64 MiB into `/dev/shm` gets the writer OOM-killed (SIGKILL, exit 137), and its memory cgroup counts the kill; the same write without a limit succeeds',
  explanation:
    "A tmpfs keeps its files in memory, and the kernel charges each page to the memory cgroup of the process that first writes it. So what a container writes into `/dev/shm` (or into an `emptyDir` with `medium: Memory`, which is a tmpfs too) counts against its own memory limit, whatever the tmpfs's size. A `/dev/shm` bigger than the container's limit does not give it more room: once the limit is reached the kernel's OOM killer ends a process of the container, which is a harder failure than the ENOSPC of a full `/dev/shm`. Size the memory limit for the program's memory and its shared memory together.",
  requires: ['memory-limit'],
  containers: {
    limited: { memoryLimitBytes: LIMIT, volumes: shm },
    free: { volumes: shm },
  },
  steps: [
    { id: 'run-limited', do: 'run', container: 'limited', why: 'a 48 MiB memory limit (swap included), a 128 MiB tmpfs on /dev/shm' },
    { id: 'limited-writes', do: 'exec', container: 'limited', cmd: FILL_AND_TELL, why: '64 MiB into /dev/shm, then what its memory cgroup counted' },
    { id: 'run-free', do: 'run', container: 'free', why: 'the same tmpfs, no memory limit' },
    { id: 'free-writes', do: 'exec', container: 'free', cmd: FILL_AND_TELL },
  ],
  expect: [
    { step: 'limited-writes', means: 'the writer is OOM-killed and its cgroup counts it', stdout: /fill exit=137\n[\s\S]*^oom_kill [1-9]/m },
    { step: 'free-writes', means: 'without a limit the same write succeeds', stdout: /fill exit=0\n[\s\S]*^oom_kill 0$/m },
  ],
  observe: (steps) => `48 MiB limit: ${phrase(told(steps.get('limited-writes')))}; no limit: ${phrase(told(steps.get('free-writes')))}`,
  // The write under the 48 MiB limit: SIGKILL (the OOM killer's), `written` where the limit did not bite, or its exit.
  brief: (steps) => {
    const limited = told(steps.get('limited-writes'));
    if (limited.not) return limited.not;
    return limited.exit === '137' ? 'SIGKILL' : limited.exit === '0' ? 'written' : limited.exit ? `exit ${limited.exit}` : 'no status';
  },
  whenDiffers: (steps) => {
    const limited = told(steps.get('limited-writes'));
    const free = told(steps.get('free-writes'));
    return sentences(
      ran(steps.get('limited-writes')) &&
        limited.exit === '0' &&
        "With a 48 MiB memory limit the 64 MiB write succeeded: this engine's tmpfs pages were not charged to the container's memory limit (or no limit was applied), so the limit does not bound what the container keeps in /dev/shm.",
      ran(steps.get('limited-writes')) &&
        limited.exit !== undefined &&
        !['0', '137'].includes(limited.exit) &&
        `With a 48 MiB memory limit the write failed with exit ${limited.exit} instead of an OOM kill: ${JSON.stringify(steps.get('limited-writes')!.stdout.split('\n')[0])}.`,
      limited.exit === '137' && limited.oomKills === undefined && "The writer was killed, but its cgroup's OOM count could not be read here.",
      ran(steps.get('free-writes')) && free.exit !== '0' && `Without a memory limit the write failed too (exit ${free.exit ?? 'unknown'}).`,
    );
  },
};
