// Renders a run's results as a markdown report. Pure: results in, text out; it knows nothing of the engine.
// Laid out for GitHub's width (about 900 px of text): the summary is a narrow table, verdict first; the long texts
// live in each experiment's section, and the transcripts there are collapsed.

import type { Catalog } from '../model/catalog.js';
import { type Experiment, type MemoryKind, type Operation, SECTIONS, type Stack, type StepRecord } from '../model/experiment.js';
import { dataOutcome } from '../model/experiment-kit.js';
import { FAMILIES, familyOf } from '../model/family.js';
import type { EngineEnvironment, ExperimentResult, RunResult } from '../model/result.js';
import { stackOf } from '../model/stack.js';
import { kubeletPlace } from './kubelet-place.js';
import { details, fence, nowrap, seconds, table, VERDICT_MARK } from './markdown-kit.js';
import { engineTitle } from './report-name.js';
import { adviceFor, kindText, operationName } from './survival-advice.js';

export function renderMarkdown(run: RunResult, catalog: Catalog): string {
  const bySlug = new Map(catalog.experiments.map((e) => [e.slug, e]));
  const parts = [
    `# shmlab report: ${engineTitle(run.environment)}`,
    headline(run),
    '## Environment',
    environment(run),
    '## Summary',
    summary(run),
    survival(run, catalog),
    kubeletPlace(run),
    ...run.experiments.map((r) => section(r, bySlug.get(r.slug), stackOf(run.environment), ownKernel(run.environment))),
  ];
  return `${parts.filter(Boolean).join('\n\n')}\n`;
}

function headline(run: RunResult): string {
  const count = (v: string) => run.experiments.filter((e) => e.verdict === v).length;
  const lines = [
    `**${run.experiments.length} experiment${run.experiments.length === 1 ? '' : 's'}: ${count('as expected')} as expected, ${count('differs')} differ, ${count('error')} error${count('error') === 1 ? '' : 's'}${count('not applicable') ? `, ${count('not applicable')} not applicable` : ''}** (${seconds(run.durationMs)}, run ${run.runId}).`,
  ];
  if (run.incomplete) lines.push(`> **Incomplete run:** ${run.incomplete}. The experiments below are those that finished.`);
  if (run.leftovers?.length) {
    lines.push(
      `> **Not cleaned up** (the engine failed; \`shmlab clean\` or the next run removes them once it answers):\n${run.leftovers.map((l) => `> - ${l}`).join('\n')}`,
    );
  }
  return lines.join('\n\n');
}

/** The OCI runtime as the engine runs it: `runsc 20221219 (arguments: --network=none)`; the engine's word for it when not known. */
export function runtimeText(env: Pick<EngineEnvironment, 'runtime' | 'ociRuntime'>): string {
  const r = env.ociRuntime;
  if (!r) return env.runtime;
  const args = r.args?.length ? ` (arguments: \`${r.args.join(' ')}\`)` : '';
  return `${r.name}${r.version ? ` ${r.version}` : ''}${args}`;
}

/** The kernel the containers see, and whether it is the host's: a sandboxing runtime (gVisor, Kata) gives its own. */
function containerKernelText(env: Pick<EngineEnvironment, 'kernel' | 'containerKernel'>): string | undefined {
  const seen = env.containerKernel;
  if (!seen) return undefined;
  return seen === env.kernel ? `${seen} (the host's)` : `${seen}: **not the host's** (${env.kernel}); the runtime gives its containers a kernel of its own`;
}

/** The kernel the containers saw, where it is not the host's (a sandboxing runtime's own). */
function ownKernel(env: Pick<EngineEnvironment, 'kernel' | 'containerKernel'>): string | undefined {
  return env.containerKernel && env.containerKernel !== env.kernel ? env.containerKernel : undefined;
}

/** Items for one table cell, each on its own line. */
function cellList(items: readonly string[]): string {
  return items.length === 1 ? (items[0] ?? '') : items.map((i) => `• ${i}`).join('<br>');
}

function environment(run: RunResult): string {
  const env = run.environment;
  const privilege =
    run.privilege.mode === 'privileged'
      ? FAMILIES[familyOf(env.kind)].privileged
      : run.privilege.mode === 'equivalent'
        ? `nearest equivalent: ${run.privilege.reason}`
        : run.privilege.mode === 'unknown'
          ? `unknown: ${run.privilege.reason}`
          : 'not used by these experiments';
  const containerKernel = containerKernelText(env);
  return table(
    ['', ''],
    [
      ['Engine', `${engineTitle(env)} (API ${env.apiVersion})`],
      ['Reached at', `\`${env.address}\``],
      ['Operating system', env.operatingSystem],
      ['Kernel', env.kernel],
      ...(containerKernel ? [['Kernel seen by containers', containerKernel]] : []),
      ['Storage driver', env.storageDriver],
      ['Cgroup version', env.cgroupVersion],
      ['Runtime', runtimeText(env)],
      ...(env.details ?? []).map((line) => {
        const at = line.indexOf(': ');
        return at > 0 ? [line.slice(0, at), line.slice(at + 2)] : ['', line];
      }),
      ...(env.workarounds?.length ? [['Host workarounds', cellList(env.workarounds)]] : []),
      ['Privileged experiments', privilege],
      ['shmlab', env.harnessVersion],
      ['Date', env.date],
    ],
  );
}

/** Verdict first, then short cells only: what the blog saw and what is expected today are in each section. */
function summary(run: RunResult): string {
  return table(
    ['Verdict', 'Experiment', 'Observed', 'Time'],
    run.experiments.map((r) => [nowrap(VERDICT_MARK[r.verdict]), `[${r.slug}](#${r.slug})`, r.observed, nowrap(seconds(r.durationMs))]),
  );
}

/** Each survival cell this run observed, by `<kind>/<operation>`: the outcome's words and the experiment that tells. */
export function survivalCells(run: RunResult, bySlug: ReadonlyMap<string, Experiment>): Map<string, { text: string; slug: string }> {
  const cells = new Map<string, { text: string; slug: string }>();
  for (const result of run.experiments) {
    if (result.verdict === 'not applicable') continue;
    for (const c of bySlug.get(result.slug)?.survival ?? []) {
      const record = result.steps.find((s) => s.id === c.step);
      // A read not taken on this engine (its outcome would be shmlab's doing) is no cell.
      if (record?.skipped) continue;
      const write = result.steps.find((s) => s.id === c.written);
      cells.set(`${c.kind}/${c.operation}`, { text: dataOutcome(write, record, c.kept), slug: result.slug });
    }
  }
  return cells;
}

/**
 * Rows: kinds of memory; columns: operations; cells: what this engine did, in words (kept, lost, …; never a verdict's
 * sign: a loss can be exactly what is expected), linked to the evidence by `linkOf`.
 */
export function survivalTable(run: RunResult, catalog: Catalog, linkOf: (slug: string) => string = (slug) => `#${slug}`): string {
  const cells = survivalCells(run, slugsOf(catalog));
  if (cells.size === 0) return '';
  const family = familyOf(run.environment.kind);
  const rows = kindsOf(cells, catalog).map((k) => [
    kindText(catalog.survival, family, k).label,
    ...opsOf(cells, catalog).map((o) => {
      const c = cells.get(`${k}/${o}`);
      return c ? `[${c.text === 'kept' ? '**kept**' : c.text}](${linkOf(c.slug)})` : '·';
    }),
  ]);
  return table(['Memory', ...opsOf(cells, catalog).map((o) => operationName(catalog.survival, family, o))], rows);
}

/** The experiments of a catalog, by slug. */
export const slugsOf = (catalog: Catalog) => new Map(catalog.experiments.map((e) => [e.slug, e]));
/** The kinds of memory that have a cell, in the catalog's order. */
const kindsOf = (cells: ReadonlyMap<string, unknown>, catalog: Catalog) =>
  (Object.keys(catalog.survival.kinds) as MemoryKind[]).filter((k) => [...cells.keys()].some((key) => key.startsWith(`${k}/`)));
const opsOf = (cells: ReadonlyMap<string, unknown>, catalog: Catalog) =>
  (Object.keys(catalog.survival.operations) as Operation[]).filter((o) => [...cells.keys()].some((key) => key.endsWith(`/${o}`)));

/** The survival section: the table, and advice per kind of memory written from what this engine did. */
function survival(run: RunResult, catalog: Catalog): string {
  const cells = survivalCells(run, slugsOf(catalog));
  if (cells.size === 0) return '';
  const family = familyOf(run.environment.kind);
  // Advice follows what this engine did: the usual words where the table shows the usual outcome, else its own.
  const outcomes = Object.fromEntries([...cells].map(([key, c]) => [key, c.text]));
  const advice = kindsOf(cells, catalog)
    .map((k) => `- **${kindText(catalog.survival, family, k).label}**: ${adviceFor(k, outcomes, catalog.survival, family)}`)
    .join('\n');
  return ['## What survives what', 'Each cell is what this engine did; the link leads to the transcript.', survivalTable(run, catalog), advice].join('\n\n');
}

function section(r: ExperimentResult, e: Experiment | undefined, stack: Stack, kernel?: string): string {
  const lines = [`## ${r.slug}`, `**${e?.title ?? r.slug}**`];
  // Not applicable: what was "observed" is the reason, said once, under Why.
  const outcome = r.verdict === 'not applicable' ? `${VERDICT_MARK[r.verdict]} on this engine.` : `${VERDICT_MARK[r.verdict]}: observed **${r.observed}**.`;
  lines.push(`${outcome} ${e ? `Source: ${e.source} (${SECTIONS[e.section]}).` : ''}`.trim());
  if (e?.blogSaw) lines.push(`**Blog saw:** ${e.blogSaw}`);
  // An engine with its own expectation: its note says what is expected there and why, once.
  if (r.verdict !== 'not applicable') {
    if (r.engineNote) lines.push(`**Expected on this engine, and why.** ${r.engineNote}`);
    else if (e?.expectedToday) lines.push(`**Expected today:** ${e.expectedToday}`);
  }
  if (r.grants.length) lines.push(`**Granted:** ${r.grants.join('; ')}`);
  if (r.error) lines.push('**Error:**', fence(r.error));
  if (r.differences.length) {
    lines.push(['**What differed:**', ...r.differences.map((d) => `- \`${d.step}\` (${d.means}): ${d.detail}`)].join('\n'));
  }
  if (r.verdict === 'differs')
    lines.push(
      `**What this engine did instead.** ${r.instead ?? 'Not explained yet: what differed is listed above, and the transcript below is the evidence.'}`,
    );
  lines.push(...why(r, e, stack, kernel));
  // shmlab called the engine's API; each step is shown as the CLI command that asks the same.
  if (r.steps.length) lines.push(details('Transcript (each API call as the CLI command that asks the same)', fence(transcript(r.steps), 'console')));
  return lines.join('\n\n');
}

// The common explanation says why engines do what is expected. It never stands as this engine's explanation where
// the engine did otherwise (differs) or could not be watched (error): there it is labelled as what the expectation
// rests on. Where the engine has its own expectation (its note, above), the common text follows for comparison.
// What the engine and runtime that ran do inside, from their source, follows: keyed by the stack, never another's.
function why(r: ExperimentResult, e: Experiment | undefined, stack: Stack, kernel?: string): string[] {
  if (r.verdict === 'not applicable') return [`**Why.** ${sentence(r.engineNote ?? r.observed)}`];
  if (!e?.explanation) return [];
  // The explanation tells what Linux does: where the containers ran on a kernel of the runtime's own, it says so.
  if (kernel)
    return [
      `**What Linux does, which this expectation rests on.** The containers here ran on a kernel of the runtime's own (${kernel}), not Linux's: what follows is what the host's kernel would do, not how this runtime did what it did. ${e.explanation}`,
    ];
  const inside = e.internals?.(stack);
  const internals = inside ? [`**What this engine and its runtime do, by their source.** ${inside}`] : [];
  if (r.engineNote) return [`**${FAMILIES[stack.family].othersHeading}, for comparison.** ${e.explanation}`, ...internals];
  return [`**${r.verdict === 'differs' || r.verdict === 'error' ? 'Why this was expected.' : 'Why.'}** ${e.explanation}`, ...internals];
}

/** A reason as a sentence: a capital first, a full stop last. */
function sentence(text: string): string {
  const t = text.trim();
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}`;
}

export function transcript(steps: readonly StepRecord[]): string {
  // A step not taken is no command: only why it was not taken, said once for a run of steps not taken for one reason.
  const lines: StepRecord[][] = [];
  for (const s of steps) {
    const last = lines.at(-1);
    if (s.skipped && last?.[0]?.skipped === s.skipped) last.push(s);
    else lines.push([s]);
  }
  return lines
    .map((run, i) => {
      const s = run[0]!;
      if (s.skipped) return `# ${run.map((r) => r.id).join(', ')}: not taken here: ${s.skipped}`;
      const head = `${sharedHead(s, lines[i - 1]?.[0], steps)}$ ${s.command}${s.why ? `    # ${s.why}` : ''}`;
      const body = `${s.stdout}${s.stderr}`.replace(/\n$/, '');
      const status = s.admission
        ? `[refused by admission (shmlab in the place of the API server and the kubelet): not sent to the engine, ${seconds(s.durationMs)}]`
        : s.engineFailed
          ? `[engine ${s.refused ? 'refused' : 'failed'}, ${seconds(s.durationMs)}]`
          : `[${[s.exitCode === null ? undefined : `exit ${s.exitCode}`, s.state, seconds(s.durationMs)].filter(Boolean).join(', ')}]`;
      return [head, body, status].filter(Boolean).join('\n');
    })
    .join('\n');
}

// Said once, above the first of the steps one exec ran: which steps, and that exec's command.
function sharedHead(s: StepRecord, before: StepRecord | undefined, steps: readonly StepRecord[]): string {
  if (!s.sharedExec || before?.sharedExec === s.sharedExec) return '';
  const from = steps.indexOf(s);
  const to = steps.findIndex((r, i) => i > from && r.sharedExec !== s.sharedExec);
  const ids = steps.slice(from, to < 0 ? undefined : to).map((r) => r.id);
  return `# ${ids.join(', ')}: one exec, each program its own process in turn (run-steps):\n#   ${s.sharedExec}\n`;
}
