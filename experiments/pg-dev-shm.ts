import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { failure, sentences, succeeded, unobserved } from '../src/model/experiment-kit.js';
import { BRIEF_MAX, unseen } from './brief-kit.js';

const GIB = 1024 * 1024 * 1024;
const ROWS = 'rows=600000';
// PostgreSQL's words when a dynamic shared memory segment cannot grow (src/backend/storage/ipc/dsm_impl.c, dsm_impl_posix).
const NO_ROOM = /could not resize shared memory segment "\/PostgreSQL\.\d+" to \d+ bytes: No space left on device/;
const QUERY = ['pg-parallel-join'];
const restartWith = (type: string) => ['sh', '-c', `pg-stop && pg-start -c dynamic_shared_memory_type=${type}`];

/** `joined`, `no room for a 16 MiB segment (ENOSPC)` from PostgreSQL's error, or what else happened, for a run of the join. */
function joined(record: StepRecord | undefined): string {
  const not = unobserved(record);
  if (not) return not;
  if (succeeded(record) && record.stdout.includes(ROWS)) return 'joined';
  const bytes = / to (\d+) bytes: No space left on device/.exec(record!.stderr)?.[1];
  if (bytes) return `no room for a ${(Number(bytes) / 1024 / 1024).toFixed(0)} MiB segment (ENOSPC)`;
  return `failed: ${failure(record) ?? record!.stdout.trim()}`;
}

/** PostgreSQL's own error line, as psql printed it. */
const pgError = (record: StepRecord | undefined) => record?.stderr.split('\n').find((l) => l.startsWith('ERROR:'));

export const pgDevShm: Experiment = {
  slug: 'pg-dev-shm',
  title: "PostgreSQL 15's parallel query on the default /dev/shm, and the fixes that work",
  section: 'C',
  source: 'PostgreSQL users: `could not resize shared memory segment … No space left on device` from a parallel query in a container',
  blogSaw: 'not tried',
  expectedToday:
    "with its default settings PostgreSQL puts a parallel query's shared hash table in /dev/shm, and the 64 MiB one of a container or a pod is too small: the query fails with PostgreSQL's `could not resize shared memory segment … No space left on device`; a larger /dev/shm (`--shm-size`; an `emptyDir` with `medium: Memory` at /dev/shm), `dynamic_shared_memory_type=sysv` or `=mmap` each let it finish",
  explanation:
    "PostgreSQL gives a parallel query's workers their shared state (here the hash table of a parallel hash join) in dynamic shared memory segments. `initdb` picks `dynamic_shared_memory_type = posix` where `shm_open` works: each segment is a file in /dev/shm, grown with `posix_fallocate` so that a full tmpfs fails at once (src/backend/storage/ipc/dsm_impl.c, `dsm_impl_posix_resize`) instead of a later SIGBUS; the worker then reports `could not resize shared memory segment \"/PostgreSQL.…\" to … bytes: No space left on device`. A container's /dev/shm is a tmpfs of 64 MiB unless the engine is told otherwise (`--shm-size`), and so is a pod's (one per sandbox, with no setting for it: an `emptyDir` with `medium: Memory` mounted at /dev/shm replaces it). `dynamic_shared_memory_type = sysv` puts the segments in System V shared memory instead (limited by the IPC namespace's `kernel.shmmax` and `kernel.shmall`, whose defaults in a new namespace are far larger), and `= mmap` in files under the data directory's `pg_dynshmem`, on disk. PostgreSQL 15 is Debian 12's, run as its own user with its data in the container (shmlab's `pg-start`, `jit=off`: its JIT library needs LLVM, which the image does not hold).",
  containers: {
    pg: { image: 'postgresql' },
    'pg-shm-size': { image: 'postgresql', shmSizeBytes: GIB },
    'pg-emptydir': { image: 'postgresql', volumes: [{ volume: 'dshm', target: '/dev/shm', medium: 'Memory', sizeBytes: GIB }] },
  },
  steps: [
    { id: 'run', do: 'run', container: 'pg', why: "the engine's default /dev/shm" },
    { id: 'start', do: 'exec', container: 'pg', cmd: ['pg-start'], why: "initdb, then the server, with initdb's dynamic_shared_memory_type" },
    { id: 'default', do: 'exec', container: 'pg', cmd: QUERY, why: "the parallel hash join: its workers' shared hash table in dynamic shared memory" },
    { id: 'restart-sysv', do: 'exec', container: 'pg', cmd: restartWith('sysv') },
    { id: 'sysv', do: 'exec', container: 'pg', cmd: QUERY, why: 'the segments in System V shared memory' },
    { id: 'restart-mmap', do: 'exec', container: 'pg', cmd: restartWith('mmap') },
    { id: 'mmap', do: 'exec', container: 'pg', cmd: QUERY, why: "the segments in files of the data directory's pg_dynshmem" },
    {
      id: 'run-shm-size',
      do: 'run',
      container: 'pg-shm-size',
      skipOn: { cri: "a pod has no /dev/shm size setting: an emptyDir at /dev/shm is a pod's fix (the steps below)" },
      why: '--shm-size 1 GiB',
    },
    { id: 'start-shm-size', do: 'exec', container: 'pg-shm-size', cmd: ['pg-start'], skipOn: { cri: 'its container is not run here' } },
    { id: 'shm-size', do: 'exec', container: 'pg-shm-size', cmd: QUERY, skipOn: { cri: 'its container is not run here' } },
    {
      id: 'run-emptydir',
      do: 'run',
      container: 'pg-emptydir',
      skipOn: { 'docker-api': "an emptyDir at /dev/shm is a pod's fix; this engine's is --shm-size (the steps above)" },
      why: 'an emptyDir with medium: Memory and a 1 GiB sizeLimit at /dev/shm',
    },
    { id: 'start-emptydir', do: 'exec', container: 'pg-emptydir', cmd: ['pg-start'], skipOn: { 'docker-api': 'its container is not run here' } },
    { id: 'emptydir', do: 'exec', container: 'pg-emptydir', cmd: QUERY, skipOn: { 'docker-api': 'its container is not run here' } },
  ],
  expect: [
    { step: 'start', means: 'PostgreSQL starts', exitCode: 0 },
    {
      step: 'default',
      means: "the query fails in PostgreSQL's words: no room in the 64 MiB /dev/shm for its segment (posix, initdb's choice)",
      exitCode: 'non-zero',
      stdout: /dynamic_shared_memory_type=posix/,
      stderr: NO_ROOM,
    },
    { step: 'sysv', means: 'with dynamic_shared_memory_type=sysv it finishes', exitCode: 0, stdout: new RegExp(`dynamic_shared_memory_type=sysv\\n${ROWS}`) },
    { step: 'mmap', means: 'with dynamic_shared_memory_type=mmap it finishes', exitCode: 0, stdout: new RegExp(`dynamic_shared_memory_type=mmap\\n${ROWS}`) },
    { step: 'shm-size', means: 'with --shm-size 1 GiB it finishes', exitCode: 0, stdout: new RegExp(ROWS) },
    { step: 'emptydir', means: 'with a 1 GiB emptyDir at /dev/shm it finishes', exitCode: 0, stdout: new RegExp(ROWS) },
  ],
  observe: (steps) => {
    const fix = steps.get('shm-size')?.skipped ? ['1 GiB emptyDir', 'emptydir'] : ['--shm-size 1 GiB', 'shm-size'];
    return `/dev/shm as it comes: ${joined(steps.get('default'))}; sysv: ${joined(steps.get('sysv'))}; mmap: ${joined(steps.get('mmap'))}; ${fix[0]}: ${joined(steps.get(fix[1]!))}`;
  },
  // The query on /dev/shm as it comes (ENOSPC where it is too small), unless a fix tried here did not let it finish;
  // which fix this family tries (--shm-size, an emptyDir) is left to the phrase.
  brief: (steps) => {
    const byDefault = joined(steps.get('default'));
    if (!byDefault.endsWith('(ENOSPC)')) return byDefault.startsWith('failed') ? 'failed' : byDefault;
    const failed = (['sysv', 'mmap', 'shm-size', 'emptydir'] as const).find((id) => !steps.get(id)?.skipped && joined(steps.get(id)) !== 'joined');
    if (!failed) return 'ENOSPC';
    const how = joined(steps.get(failed));
    return unseen(how) ? how : `${failed} failed`.length <= BRIEF_MAX ? `${failed} failed` : 'fix failed';
  },
  whenDiffers: (steps) => {
    const byDefault = steps.get('default');
    const fixes = (['sysv', 'mmap', 'shm-size', 'emptydir'] as const).filter((id) => {
      const r = steps.get(id);
      return r && !r.skipped && !unobserved(r) && !succeeded(r);
    });
    return sentences(
      succeeded(byDefault) &&
        byDefault.stdout.includes(ROWS) &&
        `The query finished on the default /dev/shm (${byDefault.stdout.trim().split('\n')[0]}): this engine's /dev/shm was large enough, or PostgreSQL did not use it.`,
      fixes.length > 0 && `These did not let the query finish: ${fixes.map((id) => `${id} (${pgError(steps.get(id)) ?? failure(steps.get(id))})`).join('; ')}.`,
    );
  },
};
