// Renders a run's results as a markdown report. Pure: results in, text out; it knows nothing of the engine.
import { MEMORY_KINDS, ON_KUBERNETES, OPERATIONS } from '../../experiments/survival.js';
import { readOutcome } from '../model/experiment-kit.js';
import { SECTIONS, type Experiment, type MemoryKind, type Operation, type StepRecord } from '../model/experiment.js';
import type { ExperimentResult, RunResult } from '../model/result.js';
import { VERDICT_MARK, fence, seconds, table } from './markdown-kit.js';
import { engineTitle } from './report-name.js';


export function renderMarkdown(run: RunResult, experiments: readonly Experiment[]): string {
  const bySlug = new Map(experiments.map((e) => [e.slug, e]));
  const parts = [
    `# shmlab report: ${engineTitle(run.environment)}`,
    headline(run),
    '## Environment',
    environment(run),
    '## Summary',
    summary(run, bySlug),
    survival(run, bySlug),
    ...run.experiments.map((r) => section(r, bySlug.get(r.slug))),
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
    lines.push(`> **Not cleaned up** (the engine failed; \`shmlab clean\` or the next run removes them once it answers):\n${run.leftovers.map((l) => `> - ${l}`).join('\n')}`);
  }
  return lines.join('\n\n');
}

function environment(run: RunResult): string {
  const env = run.environment;
  const privilege =
    run.privilege.mode === 'privileged'
      ? env.kind === 'cri'
        ? 'privileged security context (the host can start privileged containers)'
        : '`--privileged` (the host can start privileged containers)'
      : run.privilege.mode === 'equivalent'
        ? `nearest equivalent: ${run.privilege.reason}`
        : run.privilege.mode === 'unknown'
          ? `unknown: ${run.privilege.reason}`
          : 'not used by these experiments';
  return table(
    ['', ''],
    [
      ['Engine', `${engineTitle(env)} (API ${env.apiVersion})`],
      ['Reached at', `\`${env.address}\``],
      ['Operating system', env.operatingSystem],
      ['Kernel', env.kernel],
      ['Storage driver', env.storageDriver],
      ['Cgroup version', env.cgroupVersion],
      ['Runtime', env.runtime],
      ...(env.details ?? []).map((line) => {
        const at = line.indexOf(': ');
        return at > 0 ? [line.slice(0, at), line.slice(at + 2)] : ['', line];
      }),
      ['Privileged experiments', privilege],
      ['shmlab', env.harnessVersion],
      ['Date', env.date],
    ],
  );
}

function summary(run: RunResult, bySlug: Map<string, Experiment>): string {
  return table(
    ['Experiment', 'Blog saw', 'Expected today', 'Observed', 'Verdict', 'Time'],
    run.experiments.map((r) => {
      const e = bySlug.get(r.slug);
      return [`[${r.slug}](#${r.slug})`, e?.blogSaw ?? '', expectedFor(r, e), r.observed, VERDICT_MARK[r.verdict], seconds(r.durationMs)];
    }),
  );
}

/** What was expected of this engine: its own expectation where it has one, else the common one. */
function expectedFor(r: ExperimentResult, e: Experiment | undefined): string {
  if (r.verdict === 'not applicable') return '—';
  return r.engineNote ? `on this engine: ${r.engineNote}` : (e?.expectedToday ?? '');
}

/** Rows: kinds of memory; columns: operations; cells: what this engine did, linked to the evidence. */
export function survival(run: RunResult, bySlug: Map<string, Experiment>): string {
  const cells = new Map<string, { text: string; slug: string }>();
  for (const result of run.experiments) {
    if (result.verdict === 'not applicable') continue;
    for (const c of bySlug.get(result.slug)?.survival ?? []) {
      const record = result.steps.find((s) => s.id === c.step);
      cells.set(`${c.kind}/${c.operation}`, { text: survivalWord(record, c.kept), slug: result.slug });
    }
  }
  if (cells.size === 0) return '';
  const kinds = (Object.keys(MEMORY_KINDS) as MemoryKind[]).filter((k) => [...cells.keys()].some((key) => key.startsWith(`${k}/`)));
  const ops = (Object.keys(OPERATIONS) as Operation[]).filter((o) => [...cells.keys()].some((key) => key.endsWith(`/${o}`)));
  const kube = run.environment.kind === 'cri';
  const kind = (k: MemoryKind) => (kube ? (ON_KUBERNETES.kinds[k] ?? MEMORY_KINDS[k]) : MEMORY_KINDS[k]);
  const op = (o: Operation) => (kube ? (ON_KUBERNETES.operations[o] ?? OPERATIONS[o]) : OPERATIONS[o]);
  const rows = kinds.map((k) => [
    kind(k).label,
    ...ops.map((o) => {
      const c = cells.get(`${k}/${o}`);
      return c ? `[${c.text}](#${c.slug})` : '·';
    }),
  ]);
  const advice = kinds.map((k) => `- **${kind(k).label}**: ${kind(k).advice}`).join('\n');
  return ['## What survives what', 'Each cell is what this engine did; the link leads to the transcript.', table(['Memory', ...ops.map(op)], rows), advice].join('\n\n');
}

function survivalWord(record: StepRecord | undefined, kept?: string): string {
  const outcome = readOutcome(record, kept);
  return outcome === 'kept' ? '✅ kept' : outcome.startsWith('lost') ? `❌ ${outcome}` : `⚠️ ${outcome}`;
}

function section(r: ExperimentResult, e: Experiment | undefined): string {
  const lines = [`## ${r.slug}`, `**${e?.title ?? r.slug}**`];
  const outcome = r.verdict === 'not applicable' ? `**${r.observed}**.` : `observed **${r.observed}**.`;
  lines.push(`${VERDICT_MARK[r.verdict]}: ${outcome} ${e ? `Source: ${e.source} (${SECTIONS[e.section]}).` : ''}`);
  lines.push(table(['', ''], [['Blog saw', e?.blogSaw ?? ''], ['Expected today', expectedFor(r, e)], ...(r.grants.length ? [['Granted', r.grants.join('; ')]] : [])]));
  if (r.error) lines.push('**Error:**', fence(r.error));
  if (r.differences.length) {
    lines.push(['**What differed:**', ...r.differences.map((d) => `- \`${d.step}\` (${d.means}): ${d.detail}`)].join('\n'));
  }
  if (r.steps.length) lines.push('**Transcript**', fence(transcript(r.steps), 'console'));
  // The common explanation describes the Docker API engines; an engine with its own expectation gets its own words
  // first, and the common text is labelled as what it is, so that it never stands as this engine's explanation.
  if (r.verdict === 'not applicable') lines.push(`**Why.** ${r.engineNote ?? ''}`);
  else if (r.engineNote) lines.push(`**Why, on this engine.** ${r.engineNote}`, ...(e?.explanation ? [`**On Docker and Podman, for comparison.** ${e.explanation}`] : []));
  else if (e?.explanation) lines.push(`**Why.** ${e.explanation}`);
  return lines.join('\n\n');
}

export function transcript(steps: readonly StepRecord[]): string {
  return steps
    .map((s) => {
      const head = `$ ${s.command}${s.why ? `    # ${s.why}` : ''}`;
      const body = `${s.stdout}${s.stderr}`.replace(/\n$/, '');
      if (s.skipped) return `${head}\n[skipped: ${s.skipped}]`;
      const status = s.engineFailed ? `[engine ${s.refused ? 'refused' : 'failed'}, ${seconds(s.durationMs)}]` : `[${[s.exitCode === null ? undefined : `exit ${s.exitCode}`, s.state, seconds(s.durationMs)].filter(Boolean).join(', ')}]`;
      return [head, body, status].filter(Boolean).join('\n');
    })
    .join('\n');
}
