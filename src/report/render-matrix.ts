// Renders several engines' results side by side: rows are experiments, columns are engines. Pure.
// Laid out for GitHub's width: a grid of verdict signs, with words only in the rows where the engines did not all do
// the same; what all engines share is said once, not in every column.
import type { Experiment } from '../model/experiment.js';
import type { EngineEnvironment, ExperimentResult, RunResult } from '../model/result.js';
import { nowrap, table, VERDICT_SIGN } from './markdown-kit.js';
import { runtimeText } from './render-markdown.js';
import { columnTitle, reportBaseName } from './report-name.js';

/**
 * The most engine columns whose titles, set as they are, still fit GitHub's width of about 900 px (measured in a
 * browser: a column is as wide as the longest word of its title, `containerd` or a version, plus 26 px of padding).
 */
const WIDE_GRID = 7;

/** One engine's column: its run, its title, and where its report is. */
interface Column {
  run: RunResult;
  title: string;
  /** The engine's report, or one experiment's section there. */
  link: (slug?: string) => string;
}

interface MatrixOptions {
  /**
   * Whether an engine's verdicts decide the matrix's exit code (engines.json's `gate`); engines it returns false for are
   * compared but decide it only when their run fails outright. Absent: not known (reports gathered from elsewhere).
   */
  gates?: (run: RunResult) => boolean;
  /** Each run's column title and report name (by the runs' order), in place of its engine's: a fleet's columns are its nodes. */
  names?: readonly { title: string; base: string }[];
  /** Columns with no run, after the others (a node whose pod gave no report): their name, and why there is none. */
  missing?: readonly { name: string; why: string }[];
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
  const agree = (slug: string) => new Set(applicable(slug).map(outcomeKey)).size <= 1;
  const differing = slugs.filter((s) => !agree(s));
  // Where engines differ, each distinct outcome gets a letter (a, b, ...), in the order of the columns: the cells
  // carry the letters, and the list below the grid says once what each letter's engines did.
  const letters = new Map(differing.map((slug) => [slug, outcomeLetters(columns.map((c) => result(c, slug)))]));

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
    return [
      letter ? `**[${slug}](#${slug})**` : `[${slug}](${first?.link(slug) ?? `#${slug}`})`,
      ...columns.map((c) => {
        const r = result(c, slug);
        if (!r) return '—';
        const mark = letter?.get(outcomeKey(r));
        return `[${VERDICT_SIGN[r.verdict]}](${c.link(slug)})${mark ? ` ${mark}` : ''}${r.engineNote ? ' †' : ''}`;
      }),
      ...missing.map(() => '—'),
    ];
  });

  const parts = [
    '# shmlab engine matrix',
    headline(runs.length, slugs.length, differing.length) + gateNote(columns, options) + privilegeNote(columns) + missingNote(missing),
    '## Results',
    '✅ as expected today · ❌ differs from what is expected today · ⚠️ error · ➖ not applicable (why: in its section) · — not run. ' +
      "A sign leads to that engine's transcript. Where the engines an experiment applies to did the same, its row has only signs; where they did not, the experiment is in bold, " +
      "and a letter in each cell names what that engine did, said once [below the grid](#where-engines-differ). † marks an engine's own expectation, also below.",
    table(head, rows),
  ];
  if (differing.length) parts.push('### Where engines differ', differing.map((slug) => differences(slug, columns, letters.get(slug) ?? new Map())).join('\n'));
  const notes = ownExpectations(columns);
  if (notes.length) parts.push('Where an engine has its own expectation:', notes.join('\n'));
  parts.push('## Engines', ...engines(columns));
  if (missing.length) parts.push('No report from:', missing.map((m) => `- <a name="${missingAnchor(m.name)}"></a>**${m.name}**: ${m.why}`).join('\n'));
  return `${parts.join('\n\n')}\n`;
}

// Columns without a run, named once under the headline; what each lacks is listed below the engines.
function missingNote(missing: readonly { name: string }[]): string {
  if (!missing.length) return '';
  const names = missing.map((m) => `[${m.name}](#${missingAnchor(m.name)})`).join(', ');
  return ` No report from ${names}: ${missing.length === 1 ? 'its column is' : 'their columns are'} empty, and why is said [below](#${missingAnchor(missing[0]!.name)}).`;
}

const missingAnchor = (name: string) => `no-report-${name.replace(/[^A-Za-z0-9._-]/g, '-')}`;

function headline(engines: number, experiments: number, differing: number): string {
  const counts = `**${engines} engine${engines === 1 ? '' : 's'} × ${experiments} experiment${experiments === 1 ? '' : 's'}.**`;
  if (engines < 2) return counts;
  return `${counts} ${
    differing === 0
      ? 'Where an experiment applies to more than one engine, they all did the same.'
      : `Engines did different things in ${differing} of the ${experiments} experiments (in bold), counting only the engines each applies to.`
  }`;
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
        : `${VERDICT_SIGN[r.verdict]} ${r.verdict}`;
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

// The facts of each engine, a row each: a column for each fact that differs between engines, and one sentence for
// those that do not.
function engines(columns: readonly Column[]): string[] {
  const count = (r: RunResult, v: ExperimentResult['verdict']) => r.experiments.filter((e) => e.verdict === v).length;
  const fact = (label: string, value: (run: RunResult) => string): [string, string[]] => [label, columns.map((c) => value(c.run))];
  const seen = (e: EngineEnvironment) =>
    e.containerKernel ? `${e.containerKernel}${e.containerKernel === e.kernel ? '' : " (**not the host's**)"}` : 'not recorded';
  const facts: [string, string[]][] = [
    fact('API version', (r) => r.environment.apiVersion),
    fact('Runtime', (r) => runtimeText(r.environment)),
    fact('Storage driver', (r) => r.environment.storageDriver),
    fact('Cgroup version', (r) => r.environment.cgroupVersion),
    fact('Kernel', (r) => r.environment.kernel),
    ...(columns.some((c) => c.run.environment.containerKernel) ? [fact('Kernel seen by containers', (r) => seen(r.environment))] : []),
    fact('Operating system', (r) => r.environment.operatingSystem),
    fact('Privileged experiments', (r) => r.privilege.mode),
    fact(
      'Verdicts',
      (r) =>
        VERDICTS.filter((v) => count(r, v) > 0)
          .map((v) => nowrap(`${VERDICT_SIGN[v]} ${count(r, v)}`))
          .join(' · ') || 'none',
    ),
    fact('Run', (r) => `${shortDate(r.environment.date)}${r.incomplete ? ` (incomplete: ${r.incomplete})` : ''}`),
  ];
  const shared = columns.length > 1 ? facts.filter(([, values]) => new Set(values).size === 1) : [];
  const varying = facts.filter((f) => !shared.includes(f));
  const out = [
    table(
      ['Engine', ...varying.map(([label]) => label)],
      columns.map((c, i) => [`[${c.title}](${c.link()})`, ...varying.map(([, values]) => values[i] ?? '')]),
    ),
  ];
  const lower = (label: string) => label.replace(/^[A-Z](?=[a-z])/, (first) => first.toLowerCase());
  if (shared.length) out.push(`The same on every engine: ${shared.map(([label, values]) => `${lower(label)} ${values[0]}`).join('; ')}.`);
  const workarounds = grouped(columns.flatMap((c) => (c.run.environment.workarounds ?? []).map((text) => ({ text, engine: c.title, slug: '' }))));
  if (workarounds.length)
    out.push('What this host needed for an engine to run at all:', workarounds.map((g) => `- ${g.engines.join(', ')}: ${g.text}`).join('\n'));
  return out;
}

const VERDICTS = ['as expected', 'differs', 'error', 'not applicable'] as const;

/**
 * A column title that may wrap inside a long version (`20.10.24+dfsg1`, `1.6.20~ds1`), before its `+` or `~`: the
 * columns of the grid are then as narrow as their signs allow. `<wbr>` shows nothing, and nothing where it is not kept.
 */
function breakable(title: string): string {
  return title.replace(/(?<=[0-9])([+~])(?=[A-Za-z0-9])/g, '<wbr>$1');
}

/** `2026-11-26T07:18:15.090Z` as `2026-11-26 07:18 UTC`; anything else as it is. */
function shortDate(date: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:[\d.]+)?Z$/.exec(date);
  return m ? `${m[1]} ${m[2]} UTC` : date;
}

// Each engine's own expectations, said once for all the engines that share the words.
function ownExpectations(columns: readonly Column[]): string[] {
  const items = columns.flatMap((c) => c.run.experiments.flatMap((e) => (e.engineNote ? [{ text: e.engineNote, engine: c.title, slug: e.slug }] : [])));
  return grouped(items).map((g) => `- † ${g.slugs.map((s) => `\`${s}\``).join(', ')} on ${g.engines.join(', ')}: ${g.text}`);
}

/** Items with the same words, and the same engines, as one: their slugs and engines in the order first seen. */
function grouped(items: readonly { text: string; engine: string; slug: string }[]): { text: string; engines: string[]; slugs: string[] }[] {
  const enginesOf = new Map<string, string[]>();
  for (const it of items) {
    const key = `${it.slug}\n${it.text}`;
    const list = enginesOf.get(key) ?? [];
    if (!list.includes(it.engine)) list.push(it.engine);
    enginesOf.set(key, list);
  }
  const groups = new Map<string, { text: string; engines: string[]; slugs: string[] }>();
  for (const it of items) {
    const engines = enginesOf.get(`${it.slug}\n${it.text}`) ?? [it.engine];
    const key = `${engines.join('\n')}\n\n${it.text}`;
    const g = groups.get(key) ?? { text: it.text, engines, slugs: [] };
    if (it.slug && !g.slugs.includes(it.slug)) g.slugs.push(it.slug);
    groups.set(key, g);
  }
  return [...groups.values()];
}

// Engines may differ in whether this host lets them start --privileged at all: say so, with their words.
function privilegeNote(columns: readonly Column[]): string {
  if (new Set(columns.map((c) => c.run.privilege.mode)).size <= 1) return '';
  const named = (mode: string) => columns.filter((c) => c.run.privilege.mode === mode).map((c) => c.title);
  if (!named('equivalent').length || !named('privileged').length) return '';
  // Each engine's own words: engines that refused for different reasons are told apart.
  const byWords = new Map<string, string[]>();
  for (const c of columns.filter((c) => c.run.privilege.mode === 'equivalent')) {
    const words = c.run.privilege.reason?.match(/"([^"]+)"/)?.[1] ?? 'refused';
    byWords.set(words, [...(byWords.get(words) ?? []), c.title]);
  }
  const refusals = [...byWords].map(([words, titles]) => `${titles.join(', ')}: "${words}"`).join('; ');
  return ` On this host, ${named('privileged').join(', ')} could start \`--privileged\` containers and ${named('equivalent').join(', ')} could not (${refusals}); there the privileged experiments used the nearest equivalent.`;
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

/** The outcome that two engines must share to agree: the verdict and what was observed. */
function outcomeKey(result: ExperimentResult | undefined): string {
  return result ? `${result.verdict}|${result.observed}` : 'absent';
}

function orderedSlugs(runs: readonly RunResult[], experiments: readonly Experiment[]): string[] {
  const seen = new Set(runs.flatMap((r) => r.experiments.map((e) => e.slug)));
  const known = experiments.map((e) => e.slug).filter((s) => seen.has(s));
  return [...known, ...[...seen].filter((s) => !known.includes(s))];
}
