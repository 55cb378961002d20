// The survival table's texts, as data a catalog hands to the renderer: for each kind of memory its label, its usual
// advice and what the advice claims, and the ways to keep its data; per engine family where a family differs.
import type { MemoryKind, Operation } from './experiment.js';
import type { FamilyName } from './family.js';

export type Kept = 'kept' | 'lost';

/** Another kind of memory the advice names as a way to keep the data: given only where this run did not lose it. */
export interface Remedy {
  /** How the advice names it in a note ("`--ipc=host`"). */
  name: string;
  /** The advice ("hold it in the host's IPC namespace (`--ipc=host`)"). */
  words: string;
  /** The survival row whose cells tell whether it keeps data. */
  kind: MemoryKind;
  /** The operations it is advice for (default: every operation that lost this kind). */
  across?: Operation[];
}

export interface KindText {
  label: string;
  /** The usual advice: given as it is where this run saw exactly the `usual` outcomes and lost none of the `remedies`. */
  advice: string;
  /** What the usual advice says each operation does. */
  usual: Partial<Record<Operation, Kept>>;
  /** The operations the usual advice itself names: it is given only where this run saw each of them. */
  names?: Operation[];
  /** The usual advice's claim, without its remedies: said where the outcomes seen agree with `usual`. */
  statement: string;
  /** What it means where this run lost it against the usual (an operation `usual` says keeps it). */
  lostMeans: string;
  /** What it means where this run kept it against the usual, and what to do about it. */
  keptMeans: string;
  /** Ways to keep the data, for the operations that lose it. */
  remedies?: Remedy[];
}

/** The survival texts: the operations' names and the kinds' texts, and where a family names or means them otherwise. */
export interface SurvivalTexts {
  kinds: Record<MemoryKind, KindText>;
  operations: Record<Operation, string>;
  byFamily: Partial<Record<FamilyName, { kinds: Partial<Record<MemoryKind, KindText>>; operations: Partial<Record<Operation, string>> }>>;
}
