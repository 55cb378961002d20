// What a sweep for leftovers says, as lines: what it found and did (said as they are), the kinds of things it checked,
// and the kinds it could not check, with the reason. `clean` says that nothing else was left behind only when every
// kind was checked; a run says what was found and what could not be checked, not the list of kinds.

const CHECKED = 'checked: ';
const NOT_CHECKED = ' not checked: ';

/** The kinds of leftovers a sweep looked for (whether or not it found any). */
export const checkedLine = (...kinds: string[]): string => `${CHECKED}${kinds.join(', ')}`;

/** A kind of leftover a sweep could not look for, and why: `clean` then never claims a clean node. */
export const notCheckedLine = (kind: string, why: string): string => `${kind}${NOT_CHECKED}${why}`;

interface Sweep {
  /** What was found and done, and what could not be checked: lines to say. */
  said: string[];
  /** What was found and done (removed, restored, ended, or left with the reason). */
  found: string[];
  checked: string[];
  /** The lines of kinds that could not be checked. */
  unchecked: string[];
}

export function readSweep(lines: readonly string[]): Sweep {
  const checked = lines.filter((l) => l.startsWith(CHECKED)).flatMap((l) => l.slice(CHECKED.length).split(', '));
  const unchecked = lines.filter((l) => l.includes(NOT_CHECKED));
  const found = lines.filter((l) => !l.startsWith(CHECKED) && !l.includes(NOT_CHECKED));
  return { said: lines.filter((l) => !l.startsWith(CHECKED)), found, checked: [...new Set(checked)], unchecked };
}
