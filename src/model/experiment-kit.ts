// Vocabulary shared by the experiment files: the probe programs' contract (c-src/common.h) and outcome phrases.
// Every phrase here is derived from the record it is given, and from nothing else: a step that did not run is
// `not run`, one the engine failed is `engine error`, and no word (kept, lost, applied, refused…) is said without the
// record that shows it.
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

/** What is said of a step that did not run, and of one the engine failed (no refusal). */
export const NOT_RUN = 'not run';
export const ENGINE_ERROR = 'engine error';

/** The step ran and the engine did its part: there is an observation to read (a refusal is one). */
export function ran(record: StepRecord | undefined): record is StepRecord {
  return record !== undefined && !record.skipped && (!record.engineFailed || Boolean(record.refused));
}

/** `not run` (no record, or skipped), `engine error` (the engine failed it), or undefined: the record can be read. */
export function unobserved(record: StepRecord | undefined): typeof NOT_RUN | typeof ENGINE_ERROR | undefined {
  if (!record || record.skipped) return NOT_RUN;
  if (record.engineFailed && !record.refused) return ENGINE_ERROR;
  return undefined;
}

/** The step ran, and its program (or the engine's operation) succeeded. */
export function succeeded(record: StepRecord | undefined): record is StepRecord {
  return ran(record) && !record.engineFailed && record.exitCode === EXIT.ok;
}

/** The number a `cat` of a sysctl printed, if it printed one (with or without its trailing newline: gVisor has none). */
export function numberIn(record: StepRecord | undefined): string | undefined {
  if (!ran(record) || record.engineFailed) return undefined;
  return record.stdout.match(/^\s*(\d+)\s*$/)?.[1];
}

/** The errno name a probe program printed ("shmget: ENOENT (...)"), if any. */
export function errnoOf(record: StepRecord | undefined): string | undefined {
  return record?.stderr.match(/: (E[A-Z0-9]+) \(/)?.[1];
}

/** The system call and errno a probe program printed ("mq_send: ENOSYS"), if any. */
export function callErrnoOf(record: StepRecord | undefined): string | undefined {
  const m = record?.stderr.match(/(\w+): (E[A-Z0-9]+) \(/);
  return m ? `${m[1]}: ${m[2]}` : undefined;
}

/**
 * The words of a failure, from the record's stderr: the errno name a probe printed ("ENOSYS"), else the last part of
 * each line after its "program: context: " prefixes ("Input/output error", "Read-only file system"), each said once;
 * `exit N` when stderr says nothing.
 */
export function errorWords(record: StepRecord): string {
  const errno = errnoOf(record);
  if (errno) return errno;
  const words = [
    ...new Set(
      record.stderr
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .map((l) => l.split(': ').at(-1)!.trim()),
    ),
  ];
  if (words.length) return words.join(', ');
  return record.exitCode === null ? 'no exit code' : `exit ${record.exitCode}`;
}

/** `written`, `failed: <the error's words>`, `not run` or `engine error`, for a step that writes (a file, a sysctl). */
export function writeOutcome(record: StepRecord | undefined): string {
  const not = unobserved(record);
  if (not) return not;
  return succeeded(record) ? 'written' : `failed: ${errorWords(record!)}`;
}

/** The number read (`18446744073692774399`), `unreadable (<words>)`, `not run` or `engine error`, for a `cat` of a sysctl. */
export function valueRead(record: StepRecord | undefined): string {
  const not = unobserved(record);
  if (not) return not;
  const value = numberIn(record);
  if (value !== undefined) return value;
  return `unreadable (${record!.exitCode === EXIT.ok ? `read ${JSON.stringify(record!.stdout.trim())}` : errorWords(record!)})`;
}

/** Output compared by content: with or without its trailing newline, the same text. */
function sameText(a: string, b: string): boolean {
  return a.trimEnd() === b.trimEnd();
}

/** "kept", "lost (ENOENT)", "changed (read …)", "read failed (…)", "not run" or "engine error": what a read step saw. */
export function readOutcome(record: StepRecord | undefined, kept: string = ALPHABET): string {
  const not = unobserved(record);
  if (not) return not;
  const r = record!;
  if (r.exitCode === EXIT.ok && sameText(r.stdout, kept)) return 'kept';
  if (r.exitCode === EXIT.lookup) return `lost (${errnoOf(r) ?? 'not found'})`;
  if (r.exitCode === EXIT.empty) return 'empty (no message)';
  if (r.exitCode === EXIT.ok) return `changed (read "${r.stdout.trim()}")`;
  return `read failed (exit ${r.exitCode}${errnoOf(r) ? `, ${errnoOf(r)}` : ''})`;
}

/**
 * What became of data a write step stored, as its later read saw it: the read's outcome when the write succeeded;
 * `write failed (<words>)` when it did not, since then there was nothing to keep or lose.
 */
export function dataOutcome(write: StepRecord | undefined, read: StepRecord | undefined, kept: string = ALPHABET): string {
  const not = unobserved(write);
  if (not) return not;
  if (!succeeded(write)) return `write failed (${errorWords(write!)})`;
  return readOutcome(read, kept);
}

/** "refused", "accepted", "engine error" (a failure that was no refusal) or "not run", for a step that may be refused. */
export function refusalOutcome(record: StepRecord | undefined): string {
  const not = unobserved(record);
  if (not) return not;
  // A refusal is an engine failure the step allowed: the flag alone, on a record the engine did not fail, is none.
  if (record!.refused && record!.engineFailed) return 'refused';
  return record!.exitCode === EXIT.ok ? 'accepted' : `failed (exit ${record!.exitCode})`;
}

/** The words after `setting key "…": ` in sysctl's errors ("Read-only file system"), each once; undefined if none. */
export function sysctlErrors(record: StepRecord | undefined): string | undefined {
  if (!record) return undefined;
  const words = [...new Set([...record.stderr.matchAll(/setting key "[^"]+": ([^\n]+)/g)].map((m) => m[1]!.trim()))];
  return words.length ? words.join(', ') : undefined;
}

/** Markdown from the sentences that apply (falsy ones are left out); undefined when none does. */
export function sentences(...parts: (string | false | undefined | null)[]): string | undefined {
  const said = parts.filter((p): p is string => Boolean(p));
  return said.length ? said.join(' ') : undefined;
}

/** Groups names by their outcome: "all three kept" when all agree, else "a, b kept; c lost (ENOENT)". */
export function grouped(names: readonly string[], outcomes: readonly string[], all: string): string {
  if (outcomes.every((o) => o === outcomes[0])) return `${all} ${outcomes[0]}`;
  const order = [...new Set(outcomes)];
  return order.map((o) => `${names.filter((_, i) => outcomes[i] === o).join(', ')} ${o}`).join('; ');
}

/** `sysctl` was accepted by the engine (the container started) but the container reads another value. */
export function ignoredSysctl(sysctl: string, asked: string, read: string): string {
  return `\`--sysctl ${sysctl}=${asked}\` was accepted (the container started), but the container reads ${read}: this engine or its runtime ignores the setting, and no other setting was tried here: check kernel parameters inside the container before relying on them (\`cat /proc/sys/${sysctl.replace(/\./g, '/')}\`).`;
}

/** The words of the failure, where the step ran and its program failed; undefined where it succeeded or did not run. */
export function failure(record: StepRecord | undefined): string | undefined {
  return ran(record) && !succeeded(record) ? errorWords(record) : undefined;
}

/** The errno of a read that found nothing (`lost (ENOENT)` → `ENOENT`), where the write before it succeeded. */
export function lostWith(write: StepRecord | undefined, read: StepRecord | undefined): string | undefined {
  return succeeded(write) && ran(read) && read.exitCode === EXIT.lookup ? (errnoOf(read) ?? 'not found') : undefined;
}

/** The read found the data, where the write before it succeeded. */
export function keptBy(write: StepRecord | undefined, read: StepRecord | undefined, kept: string = ALPHABET): boolean {
  return succeeded(write) && readOutcome(read, kept) === 'kept';
}

/** "a", "a and b", "a, b and c". */
export function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
