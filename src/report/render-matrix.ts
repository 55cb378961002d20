// Renders several engines' results side by side: rows are experiments, columns are engines. Pure.
// Laid out for GitHub's width: a grid of verdict signs, each with the outcome in a word or two (the experiment's
// `brief`); rows where the engines did not all do the same are in bold, and the full phrases are said once below.
import type { Experiment } from '../model/experiment.js';
import type { ExperimentResult, RunResult } from '../model/result.js';
import { nowrap, table, VERDICT_SIGN } from './markdown-kit.js';
import { engines, ownExpectations } from './matrix-engines.js';
import { columnTitle, reportBaseName } from './report-name.js';

/**
 * The most engine columns whose titles, set as they are, still fit GitHub's width of about 900 px (measured in a
 * browser: a column is as wide as the longest word of its title, `containerd` or a version, plus 26 px of padding).
 */
const WIDE_GRID = 7;

/** One engine's column: its run, its title, and where its report is. */
export interface Column {
  run: RunResult;
  title: string;
  /** The engine's report, or one experiment's section there. */
  link: (slug?: string) => string;
}

export interface MatrixOptions {
  /**
   * Whether an engine's verdicts decide the matrix's exit code (engines.json's `gate`); engines it returns false for are
   * compared but decide it only when their run fails outright. Absent: not known (reports gathered from elsewhere).
   */
  gates?: (run: RunResult) => boolean;
  /** Each run's column title and report name (by the runs' order), in place of its engine's: a fleet's columns are its nodes. */
  names?: readonly { title: string; base: string }[];
  /** Columns with no run, after the others (a node whose pod gave no report): their name, and why there is none. */
  missing?: readonly { name: string; why: string }[];
  /** The survival picture beside the matrix (its relative link), drawn from the same runs; shown above the grid. */
  survivalPicture?: string;
}

export function renderMatrix(runs: readonly RunResult[], experiments: readonly Experiment[], options: MatrixOptions = {}): string {
  const columns: Column[] = runs.map((run, i) => ({
    run,
    title: options.names?.[i]?.title ?? columnTitle(run.environment),
    link: (slug?: string) => `${options.names?.[i]?.base ?? reportBaseName(run.environment)}.md${slug ? `#${slug}` : ''}`,
  }));
  const missing = options.missing ?? [];
  const slugs = orderedSlugs(runs, experiments);
  const result = (c: Column, slug: string) => c.run.experiments.find((e) => e.slug === slug);
  // Engines differ in an experiment only where it applies to at least two of them and they did not do the same: an
  // engine it does not apply to (no pause on CRI) did nothing to differ in, and an engine that did not run it is absent.
  const applicable = (slug: string) => columns.map((c) => result(c, slug)).filter((r) => r !== undefined && r.verdict !== 'not applicable');
  const agree = (slug: string, key: (r: ExperimentResult | undefined) => string) => new Set(applicable(slug).map(key)).size <= 1;
  // Bold: the engines that answered did different things as far as the row says (verdict and brief); an error is no
  // answer, not a different one (its ⚠️ is in the row all the same). Worded: their phrases differ.
  const answered = (slug: string) => applicable(slug).filter((r) => r?.verdict !== 'error');
  const differing = slugs.filter((s) => new Set(answered(s).map(cellKey)).size > 1);
  const worded = slugs.filter((s) => !agree(s, outcomeKey));
  // A result without a brief (a report of an older shmlab, a user experiment without one) gets a letter (a, b, ...)
  // for each distinct phrase, in the order of the columns; the list below the grid says once what each letter means.
  const unbriefed = (slug: string) => applicable(slug).some((r) => r?.brief === undefined);
  const letters = new Map(worded.filter(unbriefed).map((slug) => [slug, outcomeLetters(columns.map((c) => result(c, slug)))]));

  // Past WIDE_GRID engines, bold titles alone would make the grid wider than GitHub's page: they are set small.
  const small = columns.length + missing.length > WIDE_GRID;
  const titled = (title: string, link: string) => `[${small ? `<sub>${breakable(title)}</sub>` : breakable(title)}](${link})`;
  const head = [
    'Experiment',
    ...columns.map((c) => titled(c.title, c.link())),
    ...missing.map((m) => titled(`${m.name}: no report`, `#${missingAnchor(m.name)}`)),
  ];
  const rows = slugs.map((slug) => {
    const letter = letters.get(slug);
    const first = columns.find((c) => result(c, slug)) ?? columns[0];
    const name = worded.includes(slug) ? `[${slug}](#${slug})` : `[${slug}](${first?.link(slug) ?? `#${slug}`})`;
    return [
      differing.includes(slug) ? `**${name}**` : name,
      ...columns.map((c) => {
        const r = result(c, slug);
        if (!r) return '—';
        const word = r.verdict === 'not applicable' ? undefined : (r.brief ?? letter?.get(outcomeKey(r)));
        return `[${VERDICT_SIGN[r.verdict]}](${c.link(slug)})${word ? ` ${nowrap(word)}` : ''}${r.engineNote ? ' †' : ''}`;
      }),
      ...missing.map(() => '—'),
    ];
  });

  const parts = [
    '# shmlab engine matrix',
    headline(runs.length, slugs.length, differing.length, Boolean(options.survivalPicture)) + gateNote(columns, options) + missingNote(missing),
    ...privilegeNote(columns),
    ...(options.survivalPicture
      ? [
          '## What survives what',
          `![What survives what, engine by engine: for each kind of memory and operation, kept, lost or no answer](${options.survivalPicture})`,
        ]
      : []),
    '## Results',
    legend(columns),
    table(head, rows),
  ];
  if (worded.length) parts.push('### Where engines differ', worded.map((slug) => differences(slug, columns, letters.get(slug) ?? new Map())).join('\n'));
  const notes = ownExpectations(columns);
  if (notes.length) parts.push('Where an engine has its own expectation:', notes.join('\n'));
  parts.push('## Engines', ...engines(columns));
  if (missing.length) parts.push('No report from:', missing.map((m) => `- <a name="${missingAnchor(m.name)}"></a>**${m.name}**: ${m.why}`).join('\n'));
  return `${parts.join('\n\n')}\n`;
}

// What the signs, the words and † mean; who made the operations the words follow, where that was not the engine.
function legend(columns: readonly Column[]): string {
  const cri = columns.some((c) => c.run.environment.kind === 'cri');
  const who = cri
    ? "what the run then showed: on a Docker-API engine after the engine's own operations; on a CRI runtime after the operations shmlab made over CRI in the kubelet's place (restarts in the pod, new pods, admission: its report says how, and where a kubelet does otherwise)"
    : 'what the engine did';
  return (
    'The sign is the verdict: ✅ as expected today · ❌ differs from what is expected today · ⚠️ error · ➖ not applicable (why: in its section) · — not run; ' +
    "it leads to that engine's transcript, whose section says what is expected today and what the blog saw in 2017. " +
    `The words beside it (\`kept\`, \`lost\`, \`EINVAL\`…) are ${who}. ` +
    'An experiment is in bold where the engines it applies to did different things; where their observations differ in any word, the experiment leads to ' +
    "[the full phrases below the grid](#where-engines-differ). † marks an engine whose family or set-up has an expectation of its own (a CRI restart in the same pod, a rootless engine's user namespace), said below the grid."
  );
}

// Columns without a run, named once under the headline; what each lacks is listed below the engines.
function missingNote(missing: readonly { name: string }[]): string {
  if (!missing.length) return '';
  const names = missing.map((m) => `[${m.name}](#${missingAnchor(m.name)})`).join(', ');
  return ` No report from ${names}: ${missing.length === 1 ? 'its column is' : 'their columns are'} empty, and why is said [below](#${missingAnchor(missing[0]!.name)}).`;
}

const missingAnchor = (name: string) => `no-report-${name.replace(/[^A-Za-z0-9._-]/g, '-')}`;

function headline(engines: number, experiments: number, differing: number, picture: boolean): string {
  const counts = `**${engines} engine${engines === 1 ? '' : 's'} × ${experiments} experiment${experiments === 1 ? '' : 's'}.**`;
  if (engines < 2) return counts;
  const seen =
    differing === 0
      ? 'Where an experiment applies to more than one engine, they all did the same.'
      : `Engines did different things in ${differing} of the ${experiments} experiments (in bold), counting only the engines each applies to and that answered (an error, ⚠️, is no answer).`;
  return `${counts} ${seen}${picture ? ' Which engines keep and which lose each kind of memory is [the picture below](#what-survives-what).' : ''}`;
}

// Which engines decide the matrix's exit code, where that is known.
function gateNote(columns: readonly Column[], options: MatrixOptions): string {
  if (!options.gates) return '';
  const open = columns.filter((c) => !options.gates!(c.run)).map((c) => c.title);
  if (!open.length) return " Every engine's verdicts decide the matrix's exit code.";
  return ` The verdicts of ${open.join(', ')} do not decide the matrix's exit code (\`gate: false\` in the engines file: compared, but counted only when their run fails outright); every other engine's do.`;
}

/** What the engines did in one experiment, an item per outcome, with the engines that had it. */
function differences(slug: string, columns: readonly Column[], letters: ReadonlyMap<string, string>): string {
  const groups = new Map<string, { text: string; engines: string[] }>();
  for (const c of columns) {
    const r = c.run.experiments.find((e) => e.slug === slug);
    const key = outcomeKey(r);
    const letter = letters.get(key);
    const text = !r
      ? '— not run'
      : letter
        ? `**${letter}** ${VERDICT_SIGN[r.verdict]} ${r.observed}${refusalQuote(r)}`
        : r.verdict === 'not applicable'
          ? `${VERDICT_SIGN[r.verdict]} ${r.verdict}`
          : `${VERDICT_SIGN[r.verdict]} ${r.observed}${refusalQuote(r)}`;
    const group = groups.get(key) ?? { text, engines: [] };
    group.engines.push(r ? `[${c.title}](${c.link(slug)})` : c.title);
    groups.set(key, group);
  }
  // The anchor the grid's bold experiment leads to (GitHub keeps `name`, as `user-content-<name>`, and follows `#<name>`).
  return [`- <a name="${slug}"></a>**${slug}**`, ...[...groups.values()].map((g) => `  - ${g.text}: ${g.engines.join(', ')}`)].join('\n');
}

/** The line that differs where engines refused in their own words: each refusal quoted, short. */
function refusalQuote(r: ExperimentResult): string {
  const words = r.steps.filter((s) => s.refused).map((s) => refusalWords(s.stderr));
  return words.length ? ` (${[...new Set(words)].map((w) => `\`${w}\``).join('; ')})` : '';
}

// The refusal itself, without the layers that pass it on ("failed to create shim task: OCI runtime create failed: …").
function refusalWords(stderr: string): string {
  const last = stderr
    .trim()
    .split('\n')[0]!
    .replace(/: unknown$/, '')
    .replace(/: OCI runtime error$/, '');
  const core = last.replace(/^.*(?:create failed|specgen|container create|join IPC namespace|can't join IPC of container [0-9a-f]+): /, '');
  return (core.length > 120 ? `${core.slice(0, 117)}…` : core).replace(/`/g, "'");
}

/**
 * A column title that may wrap inside a long version (`20.10.24+dfsg1`, `1.6.20~ds1`), before its `+` or `~`: the
 * columns of the grid are then as narrow as their signs allow. `<wbr>` shows nothing, and nothing where it is not kept.
 */
function breakable(title: string): string {
  return title.replace(/(?<=[0-9])([+~])(?=[A-Za-z0-9])/g, '<wbr>$1');
}

// Engines may differ in whether their host lets them start --privileged at all: said in a folded section, with the
// engines' own words (a node of a fleet is a host of its own, so no "this host").
function privilegeNote(columns: readonly Column[]): string[] {
  if (new Set(columns.map((c) => c.run.privilege.mode)).size <= 1) return [];
  const named = (mode: string) => columns.filter((c) => c.run.privilege.mode === mode).map((c) => c.title);
  if (!named('equivalent').length || !named('privileged').length) return [];
  // Each engine's own words: engines that refused for different reasons are told apart.
  const byWords = new Map<string, string[]>();
  for (const c of columns.filter((c) => c.run.privilege.mode === 'equivalent')) {
    const words = c.run.privilege.reason?.match(/"([^"]+)"/)?.[1] ?? 'refused';
    byWords.set(words, [...(byWords.get(words) ?? []), c.title]);
  }
  const refusals = [...byWords].map(([words, titles]) => `- ${titles.join(', ')}: "${words}"`).join('\n');
  const refused = named('equivalent');
  return [
    `<details><summary>${refused.length} of ${columns.length} engines could not start <code>--privileged</code> containers where they ran; there the privileged experiments used the nearest equivalent</summary>`,
    `${named('privileged').join(', ')} could start them. What the others answered:\n\n${refusals}`,
    '</details>',
  ];
}

/** A letter for each distinct outcome an engine observed (not for `not applicable` or a missing result), in column order. */
function outcomeLetters(results: readonly (ExperimentResult | undefined)[]): Map<string, string> {
  const letters = new Map<string, string>();
  for (const r of results) {
    if (!r || r.verdict === 'not applicable' || letters.has(outcomeKey(r))) continue;
    letters.set(outcomeKey(r), String.fromCharCode(97 + (letters.size % 26)));
  }
  return letters;
}

/** The outcome that two engines must share to say the same words: the verdict and what was observed. */
function outcomeKey(result: ExperimentResult | undefined): string {
  return result ? `${result.verdict}|${result.observed}` : 'absent';
}

/** What a cell of the grid says: the verdict and the brief (the full phrase where there is no brief). */
function cellKey(result: ExperimentResult | undefined): string {
  return result ? `${result.verdict}|${result.brief ?? result.observed}` : 'absent';
}

function orderedSlugs(runs: readonly RunResult[], experiments: readonly Experiment[]): string[] {
  const seen = new Set(runs.flatMap((r) => r.experiments.map((e) => e.slug)));
  const known = experiments.map((e) => e.slug).filter((s) => seen.has(s));
  return [...known, ...[...seen].filter((s) => !known.includes(s))];
}
