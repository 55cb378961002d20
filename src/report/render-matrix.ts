// Renders several engines' results side by side: rows are experiments, columns are engines. Pure.
import type { Experiment } from '../model/experiment.js';
import type { ExperimentResult, RunResult } from '../model/result.js';
import { VERDICT_MARK, table } from './markdown-kit.js';
import { engineTitle, reportBaseName } from './report-name.js';

export function renderMatrix(runs: readonly RunResult[], experiments: readonly Experiment[]): string {
  const slugs = orderedSlugs(runs, experiments);
  const cell = (run: RunResult, slug: string) => run.experiments.find((e) => e.slug === slug);
  const agree = (slug: string) => new Set(runs.map((r) => outcomeKey(cell(r, slug)))).size <= 1;
  const differing = slugs.filter((s) => !agree(s));

  const head = ['Experiment', ...runs.map((r) => `[${engineTitle(r.environment)}](${reportBaseName(r.environment)}.md)`), 'Engines agree?'];
  const rows = slugs.map((slug) => {
    const same = agree(slug);
    return [
      same ? `[${slug}](${reportBaseName(runs[0]!.environment)}.md#${slug})` : `**[${slug}](${reportBaseName(runs[0]!.environment)}.md#${slug})**`,
      ...runs.map((r) => {
        const c = cell(r, slug);
        if (!c) return '—';
        const text = `${VERDICT_MARK[c.verdict]}: ${c.observed}${c.engineNote ? ' †' : ''}`;
        return same ? text : `**${text}**`;
      }),
      same ? 'yes' : '**no**',
    ];
  });

  const count = (r: RunResult, v: string) => r.experiments.filter((e) => e.verdict === v).length;
  const parts = [
    '# shmlab engine matrix',
    `**${runs.length} engines × ${slugs.length} experiments.** ${differing.length === 0 ? 'All engines did the same in every experiment.' : `Engines differ in ${differing.length}: ${differing.map((s) => `\`${s}\``).join(', ')} (in bold).`}${privilegeNote(runs)}`,
    '## Engines',
    table(
      ['', ...runs.map((r) => engineTitle(r.environment))],
      [
        ['API version', ...runs.map((r) => r.environment.apiVersion)],
        ['Runtime', ...runs.map((r) => r.environment.runtime)],
        ['Storage driver', ...runs.map((r) => r.environment.storageDriver)],
        ['Cgroup version', ...runs.map((r) => r.environment.cgroupVersion)],
        ['Kernel', ...runs.map((r) => r.environment.kernel)],
        ['Operating system', ...runs.map((r) => r.environment.operatingSystem)],
        ['Privileged experiments', ...runs.map((r) => r.privilege.mode)],
        ['Verdicts', ...runs.map((r) => `${count(r, 'as expected')} as expected, ${count(r, 'differs')} differ, ${count(r, 'error')} error${count(r, 'not applicable') ? `, ${count(r, 'not applicable')} not applicable` : ''}`)],
        ['Run', ...runs.map((r) => `${r.environment.date}${r.incomplete ? ` (incomplete: ${r.incomplete})` : ''}`)],
      ],
    ),
    '## Results',
    'Each cell: the verdict against what is expected today, and what the engine did. A link leads to that engine\'s transcript.',
    table(head, rows),
  ];
  const notes = runs.flatMap((r) => r.experiments.filter((e) => e.engineNote).map((e) => `- † ${engineTitle(r.environment)}, \`${e.slug}\`: ${e.engineNote}`));
  if (notes.length) parts.push('Where an engine has its own expectation:', notes.join('\n'));
  return `${parts.join('\n\n')}\n`;
}

// Engines may differ in whether this host lets them start --privileged at all: say so, with their words.
function privilegeNote(runs: readonly RunResult[]): string {
  if (new Set(runs.map((r) => r.privilege.mode)).size <= 1) return '';
  const equivalent = runs.filter((r) => r.privilege.mode === 'equivalent');
  const privileged = runs.filter((r) => r.privilege.mode === 'privileged');
  if (!equivalent.length || !privileged.length) return '';
  return ` On this host, ${privileged.map((r) => engineTitle(r.environment)).join(', ')} could start \`--privileged\` containers and ${equivalent.map((r) => engineTitle(r.environment)).join(', ')} could not (${equivalent[0]!.privilege.reason?.match(/"([^"]+)"/)?.[1] ?? 'refused'}); there the privileged experiments used the nearest equivalent.`;
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
