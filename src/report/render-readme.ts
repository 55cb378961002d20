// The README's findings, generated from the committed reports (never typed in): each block sits between
// `<!-- shmlab:begin NAME -->` and `<!-- shmlab:end NAME -->` markers, and `scripts/render-readme` puts what the
// reports give there. A unit test fails when a block differs from what the reports give. Pure: runs in, text out.

import type { Catalog } from '../model/catalog.js';
import type { Experiment, MemoryKind } from '../model/experiment.js';
import { listed } from '../model/experiment-kit.js';
import { engineId, type FamilyName, familyOf } from '../model/family.js';
import type { ExperimentResult, RunResult } from '../model/result.js';
import { KUBELET_PLACE } from './kubelet-place.js';
import { cell, nowrap, table, VERDICT_SIGN } from './markdown-kit.js';
import { slugsOf, survivalCells, survivalTable } from './render-markdown.js';
import { columnTitle, reportBaseName } from './report-name.js';
import { adviceFor, kindText } from './survival-advice.js';

/** A block's name and its text. */
type Blocks = Record<string, string>;

const VERDICTS = ['as expected', 'differs', 'error', 'not applicable'] as const;

const isContainerd = (r: RunResult) => engineId(r.environment) === 'containerd';
/** The experiment where a container (Docker API) or a pod (CRI) asks for `kernel.sysrq=1`. */
const SYSRQ_EXPERIMENT: { [F in FamilyName]: string } = { 'docker-api': 'sysctl-flag', cri: 'pod-sysctl' };
const isGvisor = (r: RunResult) => r.environment.ociRuntime?.name === 'runsc';
const usualRuntime = (r: RunResult) => !isGvisor(r);

/** `21 as expected, 4 not applicable`: the counts of a run's verdicts, those it has. */
function verdictCounts(run: RunResult): string {
  const count = (v: (typeof VERDICTS)[number]) => run.experiments.filter((e) => e.verdict === v).length;
  const words: Record<(typeof VERDICTS)[number], string> = {
    'as expected': 'as expected',
    differs: 'differ',
    error: 'error',
    'not applicable': 'not applicable',
  };
  return VERDICTS.filter((v) => count(v) > 0)
    .map((v) => `${count(v)} ${v === 'error' && count(v) > 1 ? 'errors' : words[v]}`)
    .join(', ');
}

function link(run: RunResult, slug?: string): string {
  return `reports/${reportBaseName(run.environment)}.md${slug ? `#${slug}` : ''}`;
}

function result(run: RunResult | undefined, slug: string): ExperimentResult | undefined {
  return run?.experiments.find((e) => e.slug === slug);
}

/** A cell: the verdict's sign and what was observed, linked to the transcript; the reason where it does not apply. */
function outcome(run: RunResult | undefined, slug: string): string {
  const r = result(run, slug);
  if (!run || !r) return '—';
  if (r.verdict === 'not applicable') return `[${VERDICT_SIGN[r.verdict]}](${link(run, slug)}) not applicable`;
  return `[${VERDICT_SIGN[r.verdict]}](${link(run, slug)}) ${r.observed}`;
}

/** One cell for several engines: their common outcome once, or each engine's where they differ. */
function sharedOutcome(runs: readonly RunResult[], slug: string, name: (r: RunResult) => string): string {
  const texts = runs.map((r) => outcome(r, slug));
  const words = runs.map((r) => `${result(r, slug)?.verdict}|${result(r, slug)?.observed}`);
  if (new Set(words).size <= 1) return texts[0] ?? '—';
  return runs.map((r, i) => `${name(r)}: ${texts[i]}`).join('<br>');
}

export function renderReadmeBlocks(runs: readonly RunResult[], catalog: Catalog): Blocks {
  const { experiments } = catalog;
  // The newest Docker with runc: where --privileged itself ran (Docker 20.10 here needs the nearest equivalent).
  const docker = [...runs]
    .reverse()
    .find((r) => engineId(r.environment) === 'docker' && (r.environment.ociRuntime?.name ?? 'runc') === 'runc' && !r.environment.rootless);
  const containerd = runs.filter(isContainerd);
  const usual = runs.filter(usualRuntime);
  const gvisor = runs.filter(isGvisor);
  const ordered = experiments.filter((e) => runs.some((r) => result(r, e.slug)));
  const blocks: Blocks = {};

  blocks.verdicts = [
    `Each engine's verdicts in its last committed report (\`npm run matrix\`, ${dates(runs)}):`,
    '',
    ...runs.map((r) => `- [${columnTitle(r.environment)}](${link(r)}): ${verdictCounts(r)}`),
  ].join('\n');

  const blogOf = (e: Experiment) => cell(e.blogSaw);
  // The runtime joins the name where it is not runc: two containerd 2.1 columns are told apart by it.
  const ctrName = (r: RunResult) => {
    const runtime = r.environment.ociRuntime;
    const version = r.environment.serverVersion.split('.').slice(0, 2).join('.');
    return `containerd ${version}${runtime && runtime.name !== 'runc' ? ` · ${runtime.name} ${runtime.version ?? ''}`.trimEnd() : ''}`;
  };
  blocks.findings = table(
    [
      'Experiment',
      'What the blog saw (Docker 1.2)',
      docker ? columnTitle(docker.environment) : 'Docker 20.10',
      `${containerd.map(ctrName).join(', ')} over CRI: a container restarted in its pod (shmlab in the kubelet's place)`,
    ],
    ordered.map((e) => [`\`${e.slug}\``, blogOf(e), outcome(docker, e.slug), sharedOutcome(containerd, e.slug, ctrName)]),
  );

  blocks['survival-docker'] = docker ? survivalBlock(docker, catalog) : 'No report of Docker 20.10 with runc.';
  const pod = containerd[0];
  blocks['survival-pod'] = pod ? survivalBlock(pod, catalog, containerd.slice(1)) : 'No report of containerd over CRI.';

  blocks.engines = table(
    ['Engine', 'API', 'Runtime', 'Privileged experiments', 'Verdicts', 'Answer to `kernel.sysrq=1`'],
    runs.map((r) => [
      `[${columnTitle(r.environment)}](${link(r)})`,
      r.environment.apiVersion,
      r.environment.ociRuntime ? `${r.environment.ociRuntime.name} ${r.environment.ociRuntime.version ?? ''}`.trim() : r.environment.runtime,
      r.privilege.mode,
      nowrap(verdictCounts(r)),
      sysrqAnswer(r),
    ]),
  );

  const differsOnGvisor = ordered.filter((e) => gvisor.some((g) => ['differs', 'error'].includes(result(g, e.slug)?.verdict ?? '')));
  const runc = docker ?? usual.find((r) => !r.environment.rootless);
  blocks.gvisor = gvisor.length
    ? table(
        ['Experiment', runc ? columnTitle(runc.environment) : 'runc', ...gvisor.map((g) => columnTitle(g.environment))],
        differsOnGvisor.map((e) => [`\`${e.slug}\``, outcome(runc, e.slug), ...gvisor.map((g) => outcome(g, e.slug))]),
      )
    : 'No report of an engine with gVisor.';
  blocks.panics = panicLines(gvisor);
  blocks.rootless = rootlessBlock(runs, ordered);
  blocks['kubelet-place'] = [
    'No kubelet runs: shmlab drives the runtime over CRI itself. Every CRI report says this too.',
    '',
    ...KUBELET_PLACE.map((i) => `- ${i}`),
  ].join('\n');
  return blocks;
}

function dates(runs: readonly RunResult[]): string {
  const days = [...new Set(runs.map((r) => r.environment.date.slice(0, 10)))].sort();
  return days.length <= 1 ? (days[0] ?? 'no date') : `${days[0]} to ${days.at(-1)}`;
}

/** The engine's answer to a container (or pod) asking for `kernel.sysrq=1`, in its words. */
function sysrqAnswer(run: RunResult): string {
  const slug = SYSRQ_EXPERIMENT[familyOf(run.environment.kind)];
  const step = result(run, slug)?.steps.find((s) => s.id === 'run-sysrq');
  if (!step) return 'not run';
  if (step.refused) return `refused: \`\` ${step.stderr.trim().replace(/^.*?((?:sysctl|the sysctl) [^:]*kernel\.sysrq[^:]*)(:.*)?$/s, '$1')} \`\``;
  if (step.engineFailed) return `engine error: \`${step.stderr.trim()}\``;
  return 'accepted';
}

function survivalBlock(run: RunResult, catalog: Catalog, alike: readonly RunResult[] = []): string {
  const bySlug = slugsOf(catalog);
  const same = alike.filter((other) => JSON.stringify([...survivalCells(other, bySlug)]) === JSON.stringify([...survivalCells(run, bySlug)]));
  const engines = [run, ...same].map((r) => `[${columnTitle(r.environment)}](${link(r)})`);
  const others = alike.filter((a) => !same.includes(a)).map((r) => columnTitle(r.environment));
  const family = familyOf(run.environment.kind);
  const cells = survivalCells(run, bySlug);
  const outcomes = Object.fromEntries([...cells].map(([key, c]) => [key, c.text]));
  const kinds = [...new Set([...cells.keys()].map((key) => key.split('/')[0] as MemoryKind))];
  const label = (k: MemoryKind) => kindText(catalog.survival, family, k).label;
  return [
    `What ${listed(engines)} did${others.length ? ` (${others.join(', ')} did otherwise: see its report)` : ''}; each cell links to its transcript, and the advice below the table is written from these cells.`,
    '',
    survivalTable(run, catalog, (slug) => link(run, slug)),
    '',
    ...kinds.map((k) => `- **${label(k)}**: ${adviceFor(k, outcomes, catalog.survival, family)}`),
  ].join('\n');
}

/**
 * Each rootless engine beside the same engine run as root (same engine, version and runtime): the experiments where
 * the two did not do the same, with what each did (a reason where one does not apply).
 */
function rootlessBlock(runs: readonly RunResult[], ordered: readonly Experiment[]): string {
  const sameEngine = (a: RunResult, b: RunResult) =>
    engineId(a.environment) === engineId(b.environment) &&
    a.environment.serverVersion === b.environment.serverVersion &&
    a.environment.ociRuntime?.name === b.environment.ociRuntime?.name;
  const pairs = runs.flatMap((r) => {
    const root = r.environment.rootless && runs.find((o) => !o.environment.rootless && sameEngine(o, r));
    return root ? [[root, r] as const] : [];
  });
  if (!pairs.length) return 'No report of a rootless engine beside the same engine run as root.';
  const said = (run: RunResult, slug: string) => {
    const r = result(run, slug);
    return r?.verdict === 'not applicable' ? `${outcome(run, slug)}: ${cell(r.observed)}` : outcome(run, slug);
  };
  const differ = ordered.filter((e) =>
    pairs.some(([root, rootless]) => said(root, e.slug).replace(link(root), '') !== said(rootless, e.slug).replace(link(rootless), '')),
  );
  return table(
    ['Experiment', ...pairs.flatMap(([root, rootless]) => [columnTitle(root.environment), columnTitle(rootless.environment)])],
    differ.map((e) => [`\`${e.slug}\``, ...pairs.flatMap(([root, rootless]) => [said(root, e.slug), said(rootless, e.slug)])]),
  );
}

/** The panic lines the gVisor reports quote, each once, with the experiments and engines where it ended a step. */
function panicLines(gvisor: readonly RunResult[]): string {
  const seen = new Map<string, string[]>();
  for (const run of gvisor) {
    for (const e of run.experiments) {
      const line = e.error?.match(/\b(panic: .*|fatal error: .*)$/m)?.[1];
      if (line) seen.set(line, [...(seen.get(line) ?? []), `[\`${e.slug}\`](${link(run, e.slug)}) on ${columnTitle(run.environment)}`]);
    }
  }
  if (!seen.size) return 'No step of these runs failed while its own sandbox panicked.';
  return [...seen].map(([line, where]) => `- \`${line}\`: ${where.join(', ')}`).join('\n');
}

const BEGIN = (name: string) => `<!-- shmlab:begin ${name} -->`;
const END = (name: string) => `<!-- shmlab:end ${name} -->`;

/** The text with each block between its markers replaced; a marker pair the text lacks is an error naming it. */
export function replaceBlocks(text: string, blocks: Blocks): string {
  let out = text;
  for (const [name, body] of Object.entries(blocks)) {
    const start = out.indexOf(BEGIN(name));
    const end = out.indexOf(END(name));
    if (start < 0 || end < start) throw new Error(`the README has no block ${name} (${BEGIN(name)} … ${END(name)})`);
    out = `${out.slice(0, start + BEGIN(name).length)}\n${body}\n${out.slice(end)}`;
  }
  return out;
}

/** The blocks the text holds, by name. */
export function blocksIn(text: string): Blocks {
  const found: Blocks = {};
  for (const m of text.matchAll(/<!-- shmlab:begin ([\w-]+) -->\n([\s\S]*?)\n<!-- shmlab:end \1 -->/g)) found[m[1]!] = m[2]!;
  return found;
}
