// Every experiment, in the order of EXPERIMENTS.md. The slug names its file, its test, and its report section.
import type { Experiment } from '../src/model/experiment.js';
import { mmapRestart } from './mmap-restart.js';
import { sysvRestart } from './sysv-restart.js';

export const EXPERIMENTS: readonly Experiment[] = [sysvRestart, mmapRestart];

/** The experiments named by slug, in the order given; an unknown slug is the caller's error. */
export function selectExperiments(slugs?: readonly string[]): Experiment[] {
  if (!slugs || slugs.length === 0) return [...EXPERIMENTS];
  const known = new Map(EXPERIMENTS.map((e) => [e.slug, e]));
  const unknown = slugs.filter((s) => !known.has(s));
  if (unknown.length) {
    throw new RangeError(`Unknown experiment${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; run "shmlab list" to see them (${[...known.keys()].join(', ')}).`);
  }
  return slugs.map((s) => known.get(s)!);
}
