import { BLOG_KEY, EXIT, errnoOf, valueOf } from '../src/model/experiment-kit.js';
import type { Experiment, StepRecord } from '../src/model/experiment.js';

const RMID_FORCED = '/proc/sys/kernel/shm_rmid_forced';
/** The segment left unattached (the blog's key) and the one a background process holds. */
const UNATTACHED = ['--key', BLOG_KEY];
const HELD_KEY = '5679';

// The holder runs in the background of one exec and outlives it (its output goes to a file, so the exec does not wait
// for it; the log exists before the holder starts, so the first look finds it). The shell waits until the holder has
// printed "holding" (it is attached then), then looks at the segment. The image's busybox has no grep or seq: the
// loops are the shell's own.
const HOLD =
  `: >/holder.log; sysv-write --key ${HELD_KEY} --hold 60 >/holder.log 2>&1 & echo $! >/holder.pid; ` +
  'i=0; while [ $i -lt 100 ]; do case "$(cat /holder.log)" in *holding*) break;; esac; sleep 0.05; i=$((i+1)); done; ' +
  `sysv-stat --key ${HELD_KEY}`;

// SIGTERM ends the hold: the holder detaches, then prints "wrote segment" as it exits; only then is the segment looked at.
const RELEASE =
  'kill $(cat /holder.pid); ' +
  'i=0; while [ $i -lt 100 ]; do case "$(cat /holder.log)" in *wrote*) break;; esac; sleep 0.05; i=$((i+1)); done; ' +
  `cat /holder.log; sysv-stat --key ${HELD_KEY}`;

/** What sysv-stat saw: "there (nattch=N)", "lost (ENOENT)", or what else. */
function statOutcome(record: StepRecord | undefined): string {
  if (!record) return 'not run';
  if (record.engineFailed) return 'engine error';
  const nattch = record.stdout.match(/nattch=(\d+)/)?.[1];
  if (record.exitCode === EXIT.ok && nattch !== undefined) return `there (nattch=${nattch})`;
  if (record.exitCode === EXIT.lookup) return `lost (${errnoOf(record) ?? 'not found'})`;
  return `stat failed (exit ${record.exitCode}${errnoOf(record) ? `, ${errnoOf(record)}` : ''})`;
}

export const shmRmidForced: Experiment = {
  slug: 'shm-rmid-forced',
  title: 'System V segments under `kernel.shm_rmid_forced=1`, in a running container',
  section: 'C',
  source: 'beyond the blog: the IPC sysctl that makes segments die with their last user',
  blogSaw: 'not tried',
  expectedToday:
    'with `--sysctl kernel.shm_rmid_forced=1` a segment nobody is attached to is destroyed as soon as its writer is done, while the container runs; one a process stays attached to lives until that process detaches; by default (0) the unattached segment stays',
  explanation:
    "`kernel.shm_rmid_forced` is an IPC namespace's sysctl (0 in a new namespace): with 1, the kernel destroys a segment as soon as no process is attached to it, as if `IPC_RMID` had been called (proc(5)): at its last detach (a `shmdt`, or the exit of the last attached process), or, for a segment never attached, when its creator exits. So a segment written by one program for another to read later is gone before the reader comes, even though the container keeps running; a segment stays only while some process holds it attached. It is how to make sure segments never outlive their users, and it is allowed unprivileged (`--sysctl`; on Kubernetes a safe pod sysctl). The holder here is a background process started by one exec that outlives that exec; once it is sent SIGTERM it detaches, and the segment goes. By default the unattached segment stays until `ipcrm` or the end of the namespace.",
  containers: {
    forced: { sysctls: { 'kernel.shm_rmid_forced': '1' } },
    plain: {},
  },
  steps: [
    { id: 'run-forced', do: 'run', container: 'forced' },
    { id: 'forced-value', do: 'exec', container: 'forced', cmd: ['cat', RMID_FORCED] },
    { id: 'forced-write', do: 'exec', container: 'forced', cmd: ['sysv-write', ...UNATTACHED], why: 'create, attach, write, detach, exit' },
    { id: 'forced-unattached', do: 'exec', container: 'forced', cmd: ['sysv-stat', ...UNATTACHED], why: 'nobody is attached any more: is it still there?' },
    { id: 'forced-hold', do: 'exec', container: 'forced', cmd: ['sh', '-c', HOLD], why: 'a background process stays attached to another segment' },
    { id: 'forced-held', do: 'exec', container: 'forced', cmd: ['sysv-stat', '--key', HELD_KEY], why: 'in a later exec: the holder outlived the one that started it' },
    { id: 'forced-release', do: 'exec', container: 'forced', cmd: ['sh', '-c', RELEASE], why: 'SIGTERM: the holder detaches and exits' },
    { id: 'run-plain', do: 'run', container: 'plain', why: 'the default' },
    { id: 'plain-value', do: 'exec', container: 'plain', cmd: ['cat', RMID_FORCED] },
    { id: 'plain-write', do: 'exec', container: 'plain', cmd: ['sysv-write', ...UNATTACHED] },
    { id: 'plain-unattached', do: 'exec', container: 'plain', cmd: ['sysv-stat', ...UNATTACHED] },
  ],
  expect: [
    { step: 'forced-value', means: 'the sysctl is applied', stdout: '1\n' },
    { step: 'forced-write', means: 'the writer succeeds', exitCode: EXIT.ok },
    { step: 'forced-unattached', means: 'the unattached segment is already gone, in the running container', exitCode: EXIT.lookup, stderr: /shmget: ENOENT/ },
    { step: 'forced-hold', means: 'a segment with a process attached is there', exitCode: EXIT.ok, stdout: /nattch=1 / },
    { step: 'forced-held', means: 'it stays while the holder runs', exitCode: EXIT.ok, stdout: /nattch=1 / },
    { step: 'forced-release', means: 'once the holder has detached, it is gone', exitCode: EXIT.lookup, stdout: /holding\nwrote segment/, stderr: /shmget: ENOENT/ },
    { step: 'plain-value', means: "the default of a new IPC namespace is 0", stdout: '0\n' },
    { step: 'plain-unattached', means: 'by default the unattached segment stays', exitCode: EXIT.ok, stdout: /nattch=0 / },
  ],
  observe: (steps) => {
    const value = (id: string) => valueOf(steps.get(id)) ?? (steps.get(id) ? '?' : 'not run');
    return `shm_rmid_forced=${value('forced-value')}: unattached ${statOutcome(steps.get('forced-unattached'))}, held ${statOutcome(steps.get('forced-held'))}, released ${statOutcome(steps.get('forced-release'))}; default (${value('plain-value')}): unattached ${statOutcome(steps.get('plain-unattached'))}`;
  },
};
