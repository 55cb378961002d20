// The matrix's notes on its engines: a row of facts each, what the host needed, and each engine's own expectations.
import type { EngineEnvironment, ExperimentResult, RunResult } from '../model/result.js';
import { nowrap, table, VERDICT_SIGN } from './markdown-kit.js';
import { runtimeText } from './render-markdown.js';
import type { Column } from './render-matrix.js';

// The facts of each engine, a row each: a column for each fact that differs between engines, and one sentence for
// those that do not.
export function engines(columns: readonly Column[]): string[] {
  const count = (r: RunResult, v: ExperimentResult['verdict']) => r.experiments.filter((e) => e.verdict === v).length;
  const fact = (label: string, value: (run: RunResult) => string): [string, string[]] => [label, columns.map((c) => value(c.run))];
  const seen = (e: EngineEnvironment) =>
    e.containerKernel ? `${e.containerKernel}${e.containerKernel === e.kernel ? '' : " (**not the host's**)"}` : 'not recorded';
  const facts: [string, string[]][] = [
    fact('API version', (r) => r.environment.apiVersion),
    fact('Runtime', (r) => runtimeText(r.environment)),
    fact('Storage driver', (r) => r.environment.storageDriver),
    fact('Cgroup version', (r) => r.environment.cgroupVersion),
    fact('Host kernel', (r) => r.environment.kernel),
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

/** `2026-11-26T07:18:15.090Z` as `2026-11-26 07:18 UTC`; anything else as it is. */
function shortDate(date: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:[\d.]+)?Z$/.exec(date);
  return m ? `${m[1]} ${m[2]} UTC` : date;
}

// Each engine's own expectations, said once for all the engines that share the words.
export function ownExpectations(columns: readonly Column[]): string[] {
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
