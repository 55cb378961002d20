// The verdict: a pure comparison of what the engine did (step records) with what the experiment expects.
import type { Experiment, StepExpectation, StepRecord } from '../model/experiment.js';
import type { FamilyName, SetUpName } from '../model/family.js';
import type { Difference, Verdict } from '../model/result.js';

export interface Judgement {
  verdict: Verdict;
  differences: Difference[];
  error?: string;
  /** Why this engine has its own expectation, when it has one. */
  engineNote?: string;
}

// The expectations that hold on this engine: the common ones, with the family's entries and then its set-up's replacing
// (or dropping) them by step.
export function expectationsFor(experiment: Experiment, family: FamilyName, setUp?: SetUpName): { expect: StepExpectation[]; note?: string } {
  let expect = experiment.expect;
  const notes: string[] = [];
  for (const own of [experiment.expectOn?.[family], setUp && experiment.expectOn?.[setUp]]) {
    if (!own) continue;
    const replaced = new Set([...own.expect.map((e) => e.step), ...(own.drop ?? [])]);
    expect = [...expect.filter((e) => !replaced.has(e.step)), ...own.expect];
    notes.push(own.why);
  }
  return notes.length ? { expect, note: notes.join(' ') } : { expect };
}

export function judge(experiment: Experiment, records: readonly StepRecord[], family: FamilyName, setUp?: SetUpName): Judgement {
  const byId = new Map(records.map((r) => [r.id, r]));
  const own = expectationsFor(experiment, family, setUp);
  // A step not taken on this engine (skipOn, or evidence it has no operation for) has no expectation to meet there.
  const expect = own.expect.filter((e) => !byId.get(e.step)?.skipped);
  const note = own.note;
  // An engine failure that is not the refusal the step allows: the engine, not the experiment, failed, unless the
  // steps before it already differed. Then the failure is what followed from that difference (gVisor's hook exits 255
  // and ends its container, so the next exec finds none): the experiment differs, and the failure is told after.
  const failed = records.find((r) => r.engineFailed && !r.refused);
  if (failed) {
    const before = records.slice(0, records.indexOf(failed)).map((r) => r.id);
    const differences = expect.filter((e) => before.includes(e.step)).flatMap((e) => compare(e, byId.get(e.step)!));
    const error = `${failed.id} (${failed.command}): ${failed.stderr.trim()}`;
    if (differences.length) return { verdict: 'differs', differences, error: `after these differences, ${error}`, engineNote: note };
    return { verdict: 'error', differences: [], error, engineNote: note };
  }
  const missing = expect.find((e) => !byId.has(e.step));
  if (missing) {
    return { verdict: 'error', differences: [], error: `step ${missing.step} did not run`, engineNote: note };
  }
  const differences = expect.flatMap((e) => compare(e, byId.get(e.step)!));
  return { verdict: differences.length ? 'differs' : 'as expected', differences, engineNote: note };
}

function compare(e: StepExpectation, r: StepRecord): Difference[] {
  const out: Difference[] = [];
  const differ = (detail: string) => out.push({ step: e.step, means: e.means, detail });
  const refused = Boolean(r.refused);
  if (e.refused !== undefined && e.refused !== refused) {
    differ(`expected the engine to ${e.refused ? 'refuse' : 'accept'} it, it ${refused ? `refused: ${r.stderr.trim()}` : 'accepted'}`);
  }
  const exitDiffers = e.exitCode === 'non-zero' ? r.exitCode === 0 || r.exitCode === null : e.exitCode !== r.exitCode;
  if (e.exitCode !== undefined && exitDiffers) {
    differ(`exit code: expected ${e.exitCode}, got ${r.exitCode}${r.stderr.trim() ? ` (${onceEach(r.stderr)})` : ''}`);
  }
  if (e.state !== undefined && e.state !== r.state) differ(`container state: expected ${e.state}, got ${r.state ?? 'unknown'}`);
  for (const [field, text] of [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
    ['output', r.stdout + r.stderr],
  ] as const) {
    const want = e[field];
    if (want !== undefined && !matches(want, text)) differ(`${field}: expected ${show(want)}, got ${JSON.stringify(text)}`);
  }
  return out;
}

/** stderr with each run of the same line said once, and how many times (a probe that retried says so once). */
function onceEach(stderr: string): string {
  const runs: { line: string; times: number }[] = [];
  for (const line of stderr.trim().split('\n')) {
    const last = runs.at(-1);
    if (last?.line === line) last.times++;
    else runs.push({ line, times: 1 });
  }
  return runs.map(({ line, times }) => (times > 1 ? `${line} (${times} times)` : line)).join('\n');
}

// Output is compared by content: a value with or without its trailing newline (gVisor's /proc/sys has none) is the
// same value.
function matches(want: string | RegExp, text: string): boolean {
  return typeof want === 'string' ? text.trimEnd() === want.trimEnd() : want.test(text);
}

function show(want: string | RegExp): string {
  return typeof want === 'string' ? JSON.stringify(want) : String(want);
}
