// The matrix's cell for an experiment (Experiment.brief): its outcome in a word or two, at most 12 characters, made
// from the same phrases `observe` says, so that a cell never says what the records do not: `not run` and
// `engine error` pass through as they are, and are never given a label.
import type { StepRecord } from '../src/model/experiment.js';
import { ENGINE_ERROR, failure, NOT_RUN, numberIn, succeeded, unobserved } from '../src/model/experiment-kit.js';

/** The most characters a brief may have: it shares a grid cell with the verdict's sign. */
export const BRIEF_MAX = 12;

/** The word says no outcome: `not run` or `engine error`. */
export const unseen = (word: string) => word === NOT_RUN || word === ENGINE_ERROR;

/** An outcome phrase without what it says in brackets: `lost (ENOENT)` → `lost`, `write failed (ENOSYS)` → `write failed`. */
export function outcomeWord(outcome: string): string {
  return outcome.replace(/\s*\(.*$/s, '');
}

/** `label word` where it fits (`SysV lost`, `volume kept`), else the word alone; `not run` and `engine error` are never labelled. */
export function labelled(label: string, word: string): string {
  const both = `${label} ${word}`;
  return unseen(word) || both.length > BRIEF_MAX ? word : both;
}

/** One word for several outcomes: theirs where all agree, else the first `not run` or `engine error`, else `2/3 kept`. */
export function together(words: readonly string[]): string {
  if (words.every((w) => w === words[0])) return words[0] ?? NOT_RUN;
  return words.find(unseen) ?? `${words.filter((w) => w === 'kept').length}/${words.length} kept`;
}

/** Outcomes in order: one word where they agree, `kept/lost` where they differ and that fits, else as `together`. */
export function each(words: readonly string[]): string {
  const joined = words.join('/');
  return words.some(unseen) || words.every((w) => w === words[0]) || joined.length > BRIEF_MAX ? together(words) : joined;
}

// What a shell prints for an errno, as the errno's name: a redirection into /proc/sys reports the text, not the name.
const ERRNO_OF_TEXT: Record<string, string> = {
  'Read-only file system': 'read-only',
  'Input/output error': 'EIO',
  'Permission denied': 'EACCES',
  'Operation not permitted': 'EPERM',
  'No such file or directory': 'ENOENT',
};

/** A write into /proc/sys: `written`, `read-only`, its errno (`EIO`), `write failed`, `not run` or `engine error`. */
export function writeBrief(record: StepRecord | undefined): string {
  const not = unobserved(record);
  if (not) return not;
  if (succeeded(record)) return 'written';
  const words = failure(record) ?? '';
  return ERRNO_OF_TEXT[words] ?? (/^E[A-Z0-9]+$/.test(words) ? words : 'write failed');
}

/** A sysctl read back: `applied` (the value asked for), `not applied` (another number), `unreadable`, `not run`, `engine error`. */
export function appliedBrief(record: StepRecord | undefined, wanted: string): string {
  const value = numberIn(record);
  return unobserved(record) ?? (value === wanted ? 'applied' : value !== undefined ? 'not applied' : 'unreadable');
}
