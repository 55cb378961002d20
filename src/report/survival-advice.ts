// The survival advice for one kind of memory, written from what this run saw (the cells of its table), with the texts
// a catalog gives: the usual advice where the run saw what it describes, else advice built from what the run saw.

import type { MemoryKind, Operation } from '../model/experiment.js';
import { listed } from '../model/experiment-kit.js';
import type { FamilyName } from '../model/family.js';
import type { Kept, KindText, Remedy, SurvivalTexts } from '../model/survival.js';

/** A kind's texts as a family means them. */
export function kindText(texts: SurvivalTexts, family: FamilyName, kind: MemoryKind): KindText {
  return texts.byFamily[family]?.kinds[kind] ?? texts.kinds[kind];
}

/** An operation's name as a family names it. */
export function operationName(texts: SurvivalTexts, family: FamilyName, operation: Operation): string {
  return texts.byFamily[family]?.operations[operation] ?? texts.operations[operation];
}

/**
 * What this run saw, cell by cell: `<kind>/<operation>` → the outcome words the survival table shows (`kept`,
 * `lost (ENOENT)`, `read failed (…)`, `not run`, `engine error`…, with or without the table's ✅/❌/⚠️ mark).
 */
export type SurvivalOutcomes = Readonly<Record<string, string>>;

/** The outcome's words, without the table's mark. */
function words(outcome: string): string {
  return outcome.replace(/^[^\p{L}]+/u, '').trim();
}

function classOf(outcome: string | undefined): Kept | 'other' | undefined {
  if (outcome === undefined) return undefined;
  const w = words(outcome);
  return w === 'kept' ? 'kept' : w.startsWith('lost') ? 'lost' : 'other';
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The advice for one kind of memory, from what this run saw of it and of the kinds its advice names: the usual advice
 * where the run saw exactly what it describes; otherwise what the run saw (kept across…, lost at…, and what else),
 * what that means, and only the ways to keep the data this run did not see fail.
 */
export function adviceFor(kind: MemoryKind, outcomes: SurvivalOutcomes, texts: SurvivalTexts, family: FamilyName): string {
  const text = kindText(texts, family, kind);
  const opName = (o: Operation) => operationName(texts, family, o);
  const seen = (Object.keys(texts.operations) as Operation[]).flatMap((o) => {
    const outcome = outcomes[`${kind}/${o}`];
    return outcome === undefined ? [] : [{ o, outcome: words(outcome), cls: classOf(outcome)! }];
  });
  if (seen.length === 0) return text.advice;
  const kept = seen.filter((s) => s.cls === 'kept');
  const lost = seen.filter((s) => s.cls === 'lost');
  const other = seen.filter((s) => s.cls === 'other');
  const agrees = [...kept, ...lost].every((s) => text.usual[s.o] === s.cls);

  // A remedy this run contradicted: its own row lost the data at an operation it is advice for.
  const lostOps = lost.map((s) => s.o);
  const contradicted = (r: Remedy) => lostOps.filter((o) => !r.across || r.across.includes(o)).some((o) => classOf(outcomes[`${r.kind}/${o}`]) === 'lost');
  const relevant = (text.remedies ?? []).filter((r) => lostOps.some((o) => !r.across || r.across.includes(o)));
  const holding = relevant.filter((r) => !contradicted(r));
  // A remedy this run saw keep its data where this kind lost it, or one it did not see work (not run, engine error).
  // Proven only where it kept its data at every operation it is advice for; else the advice says where it was seen.
  const seenKept = (r: Remedy) => lostOps.filter((o) => (!r.across || r.across.includes(o)) && classOf(outcomes[`${r.kind}/${o}`]) === 'kept');
  const needed = (r: Remedy) => lostOps.filter((o) => !r.across || r.across.includes(o));
  const remedyWords = (r: Remedy) =>
    seenKept(r).length === needed(r).length
      ? r.words
      : seenKept(r).length
        ? `${r.words} (seen to keep its data only at ${listed(seenKept(r).map(opName))} in this run)`
        : `${r.words} (not seen to work on this engine in this run)`;
  const failing = relevant.filter(contradicted);

  // The usual advice names every operation of its kind and its remedies: only where this run saw each of them.
  const sawUsual = (text.names ?? []).every((o) => outcomes[`${kind}/${o}`] !== undefined);
  const sawRemedies = relevant.every((r) => seenKept(r).length > 0);
  if (agrees && other.length === 0 && failing.length === 0 && sawUsual && sawRemedies) return text.advice;

  const seenClauses = [
    kept.length > 0 && `kept across ${listed(kept.map((s) => opName(s.o)))}`,
    lost.length > 0 && `lost at ${listed(lost.map((s) => opName(s.o)))}`,
    ...other.map((s) => `${opName(s.o)}: ${s.outcome}`),
  ].filter(Boolean);
  const unexpectedLost = lost.filter((s) => text.usual[s.o] !== 'lost');
  const unexpectedKept = kept.filter((s) => text.usual[s.o] !== 'kept');
  const said = [
    agrees && (kept.length > 0 || lost.length > 0) && `${capitalized(text.statement)}.`,
    unexpectedLost.length > 0 && `${capitalized(text.lostMeans)}.`,
    unexpectedKept.length > 0 && `${capitalized(text.keptMeans)}.`,
    other.some((s) => s.outcome.includes('ENOSYS')) && 'The runtime answered a call this kind of memory needs with ENOSYS (not implemented).',
    other.some((s) => s.outcome === 'engine error' || s.outcome === 'not run') && 'Where the engine failed or the step did not run, this run says nothing.',
    holding.length > 0 &&
      `To keep it across ${listed([...new Set(lostOps.filter((o) => holding.some((r) => !r.across || r.across.includes(o))))].map(opName))}, ${holding.map(remedyWords).join(', or ')}.`,
    failing.length > 0 &&
      `In this run ${listed(failing.map((r) => r.name))} lost ${failing.length > 1 ? 'their' : 'its'} data too, so ${failing.length > 1 ? 'they are' : 'it is'} no way to keep it here.`,
  ].filter(Boolean);
  return `in this run ${(seenClauses as string[]).join('; ')}. ${said.join(' ')}`.trim();
}
