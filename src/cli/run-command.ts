// `shmlab run`: the experiments against one engine, with progress as it goes and the report at the end.
import { EXPERIMENTS, selectExperiments } from '../../experiments/index.js';
import { UsageError } from '../errors.js';
import { runLab } from '../run/lab-runner.js';
import { seconds } from '../report/markdown-kit.js';
import { engineTitle } from '../report/report-name.js';
import { writeReport } from '../report/write-report.js';
import { REPORTS } from '../paths.js';
import { ensureWritableDir } from './report-dir.js';

import type { Output } from './output.js';

export async function runCommand(options: { only?: string[]; reportDir?: string; concurrency?: number }, io: Output, signal: AbortSignal): Promise<number> {
  let experiments;
  try {
    experiments = selectExperiments(options.only);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const dir = ensureWritableDir(options.reportDir ?? REPORTS);
  const say = (line: string) => io.out(`shmlab: ${line}`);
  const run = await runLab(experiments, {
    say,
    signal,
    concurrency: options.concurrency,
    onStart: (env, total) => say(`${engineTitle(env)} at ${env.address}: running ${total} experiment${total === 1 ? '' : 's'}`),
    onResult: (r, done, total) => {
      const detail = r.verdict === 'as expected' ? r.observed : r.verdict === 'differs' ? `${r.observed}; ${r.differences.map((d) => d.detail).join('; ')}` : r.error;
      io.out(`[${done}/${total}] ${r.slug}: ${r.verdict} (${seconds(r.durationMs)}): ${detail}`);
    },
  });
  const written = writeReport(run, EXPERIMENTS, dir);
  const bad = run.experiments.filter((r) => r.verdict !== 'as expected');
  const count = (v: string) => run.experiments.filter((r) => r.verdict === v).length;
  say(`${count('as expected')} as expected, ${count('differs')} differ, ${count('error')} error(s) in ${seconds(run.durationMs)}`);
  if (run.incomplete) say(`incomplete: ${run.incomplete}`);
  say(`report: ${written.markdown} (and ${written.json})`);
  return bad.length || run.incomplete ? 1 : 0;
}
