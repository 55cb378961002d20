import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { BLOG_KEY, EXIT, errnoOf, failure, NOT_RUN, numberIn, ran, sentences, succeeded, unobserved, valueRead } from '../src/model/experiment-kit.js';
import { labelled, outcomeWord, unseen } from './brief-kit.js';

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
  const not = unobserved(record);
  if (not || !record) return not ?? 'not run';
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
    {
      id: 'forced-held',
      do: 'exec',
      container: 'forced',
      cmd: ['sysv-stat', '--key', HELD_KEY],
      why: 'in a later exec: the holder outlived the one that started it',
    },
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
    {
      step: 'forced-release',
      means: 'once the holder has detached, it is gone',
      exitCode: EXIT.lookup,
      stdout: /holding\nwrote segment/,
      stderr: /shmget: ENOENT/,
    },
    { step: 'plain-value', means: 'the default of a new IPC namespace is 0', stdout: '0\n' },
    { step: 'plain-unattached', means: 'by default the unattached segment stays', exitCode: EXIT.ok, stdout: /nattch=0 / },
  ],
  observe: (steps) => {
    // The value each container read; "default" names the plain container only where it read one.
    const forced = numberIn(steps.get('forced-value'));
    const plain = numberIn(steps.get('plain-value'));
    const short = (id: string) => valueRead(steps.get(id)).replace(/ \(.*\)$/, '');
    const withIt = forced !== undefined ? `shm_rmid_forced=${forced}` : `shm_rmid_forced ${short('forced-value')}`;
    const without =
      plain !== undefined ? `default (${plain})` : `without it${short('plain-value') === short('forced-value') ? '' : ` (${short('plain-value')})`}`;
    const [unattached, held, released, plainUnattached] = ['forced-unattached', 'forced-held', 'forced-release', 'plain-unattached'].map((id) =>
      statOutcome(steps.get(id)),
    );
    // The held segment is made by the hold step and read by the next: a hold the engine failed is what the phrase tells.
    const hold = steps.get('forced-hold');
    if (hold && unobserved(hold)) return `${withIt}: unattached ${unattached}, hold ${unobserved(hold)}; ${without}: unattached ${plainUnattached}`;
    // Every segment still there, with the sysctl as without it: said once.
    if ([unattached, held, released, plainUnattached].every((s) => s!.startsWith('there'))) {
      return `${withIt}: unattached, held and released segments all there, as ${plain !== undefined ? `by ${without}` : without}`;
    }
    return `${withIt}: unattached ${unattached}, held ${held}, released ${released}; ${without}: unattached ${plainUnattached}`;
  },
  // With the sysctl: the unattached segment `lost` (removed at once) or `kept`; then the held one, which must stay.
  // A look the engine failed, or that did not run, is what the cell says: the row's answer needs all of them.
  brief: (steps) => {
    const write = steps.get('forced-write');
    if (!succeeded(write)) return unobserved(write) ?? 'write failed';
    const looks = ['forced-unattached', 'forced-hold', 'forced-held', 'forced-release'].map((id) => outcomeWord(statOutcome(steps.get(id))));
    const not = looks.find(unseen);
    if (not) return not;
    const [unattached, , held] = looks;
    if (unattached === 'there') return 'kept';
    if (unattached !== 'lost') return unattached ?? NOT_RUN;
    return held === 'there' ? 'lost' : labelled('held', held ?? NOT_RUN);
  },
  whenDiffers: (steps) => {
    const [run, value, write, unattached, release] = ['run-forced', 'forced-value', 'forced-write', 'forced-unattached', 'forced-release'].map((id) =>
      steps.get(id),
    );
    const read = numberIn(value);
    const stays = (r: StepRecord | undefined) => statOutcome(r).startsWith('there');
    return sentences(
      succeeded(run) &&
        failure(value) &&
        `\`--sysctl kernel.shm_rmid_forced=1\` was accepted (the container started), but the container cannot read /proc/sys/kernel/shm_rmid_forced (${failure(value)}): this runtime has no such parameter.`,
      succeeded(run) &&
        read !== undefined &&
        read !== '1' &&
        `\`--sysctl kernel.shm_rmid_forced=1\` was accepted (the container started), but the container reads ${read}: this engine or its runtime ignores the setting.`,
      succeeded(write) &&
        read !== '1' &&
        (stays(unattached) || stays(release)) &&
        'Segments nobody is attached to stayed, as without the sysctl: on this engine nothing removes a segment for lack of users, so a program must remove its own segments (`IPC_RMID`, or `ipcrm`).',
      ran(steps.get('forced-hold')) &&
        statOutcome(steps.get('forced-hold')).startsWith('there') &&
        statOutcome(steps.get('forced-held')).startsWith('lost') &&
        `The segment a process held attached was gone (${errnoOf(steps.get('forced-held')) ?? 'not found'}) while its holder ran: on this engine a segment does not last even while it is in use.`,
      read === '1' &&
        succeeded(write) &&
        stays(unattached) &&
        'The container reads 1, yet the unattached segment stayed: this kernel does not honour `kernel.shm_rmid_forced`.',
    );
  },
};
