// Vocabulary shared by the experiment files: the probe programs' contract (c-src/common.h) and outcome phrases.
import type { StepRecord } from './experiment.js';

/** What every reader prints when it finds the writer's data. */
export const ALPHABET = 'a b c d e f g h i j k l m n o p q r s t u v w x y z\n';

/** Exit codes of the probe programs (c-src/common.h). */
export const EXIT = { ok: 0, lookup: 10, map: 11, size: 12, empty: 13, sigbus: 14, usage: 64 } as const;

/** The blog's key; fine in a private IPC namespace, where no one else can see it. */
export const BLOG_KEY = '5678';

/** The probe programs' arguments for the three kinds of memory the survival experiments write and read. */
export const SYSV_SEGMENT = ['--key', BLOG_KEY];
export const POSIX_OBJECT = ['--name', '/shmlab'];
export const LAYER_FILE = ['--path', '/shm.txt'];

/** The IPC sysctl the blog's second article is about. */
export const SHMMAX = '/proc/sys/kernel/shmmax';

/** The value /etc/sysctl.conf asks for (fixtures/etc/sysctl.conf). */
export const WANTED_SHMMAX = '68719476736';

/** kernel.shmmax of a new IPC namespace since Linux 3.16: ULONG_MAX - 2^24 (include/uapi/linux/shm.h). */
export const KERNEL_DEFAULT_SHMMAX = '18446744073692774399';

/** The blog's old default, 32 MiB, set for the container to reproduce its EINVAL. */
export const OLD_SHMMAX = '33554432';

/** The number a `cat` of a sysctl printed, if it printed one. */
export function valueOf(record: StepRecord | undefined): string | undefined {
  return record?.stdout.match(/^(\d+)\n?$/)?.[1];
}

/** The errno name a probe program printed ("shmget: ENOENT (...)"), if any. */
export function errnoOf(record: StepRecord | undefined): string | undefined {
  return record?.stderr.match(/: (E[A-Z0-9]+) \(/)?.[1];
}

/** "kept", "lost (ENOENT)" or what else a read step saw. */
export function readOutcome(record: StepRecord | undefined, kept: string = ALPHABET): string {
  if (!record) return 'not reached';
  if (record.engineFailed) return 'engine error';
  if (record.exitCode === EXIT.ok && record.stdout === kept) return 'kept';
  if (record.exitCode === EXIT.lookup) return `lost (${errnoOf(record) ?? 'not found'})`;
  if (record.exitCode === EXIT.ok) return `changed (read "${record.stdout.trim()}")`;
  return `read failed (exit ${record.exitCode}${errnoOf(record) ? `, ${errnoOf(record)}` : ''})`;
}

/** "refused", "accepted", "engine error" (a failure that was no refusal) or "not run", for a step that may be refused. */
export function refusalOutcome(record: StepRecord | undefined): string {
  if (!record) return 'not run';
  if (record.refused) return 'refused';
  return record.engineFailed ? 'engine error' : 'accepted';
}
