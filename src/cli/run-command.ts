// `shmlab run`: the experiments against one engine, with progress as it goes and the report at the end.
import { writeFileSync } from 'node:fs';
import { EXPERIMENTS, selectExperiments } from '../../experiments/index.js';
import { UsageError } from '../errors.js';
import { runLab } from '../run/lab-runner.js';
import { seconds } from '../report/markdown-kit.js';
import { engineTitle } from '../report/report-name.js';
import { ReportWriteError, writeReport } from '../report/write-report.js';
import { REPORTS } from '../paths.js';
import { ensureWritableDir } from './report-dir.js';
import { checkToolchain } from '../build/program-compiler.js';
import { checkTempDir } from '../engine/local-engine.js';

import type { Output } from './output.js';

export async function runCommand(
  options: { only?: string[]; reportDir?: string; concurrency?: number; deadlineMs?: number; engine?: { kind: 'cri' | 'docker'; address: string }; noHostChanges?: boolean },
  io: Output,
  signal: AbortSignal,
): Promise<number> {
  // --engine names the engine as the environment would: the variable crictl or docker reads.
  if (options.engine?.kind === 'cri') process.env.CONTAINER_RUNTIME_ENDPOINT = options.engine.address;
  if (options.engine?.kind === 'docker') {
    process.env.DOCKER_HOST = options.engine.address;
    delete process.env.CONTAINER_RUNTIME_ENDPOINT;
  }
  let experiments;
  try {
    experiments = selectExperiments(options.only);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const dir = ensureWritableDir(options.reportDir ?? REPORTS);
  checkTempDir();
  await checkToolchain();
  const say = (line: string) => io.out(`shmlab: ${line}`);
  const run = await runLab(experiments, {
    say,
    signal,
    concurrency: options.concurrency,
    deadlineMs: options.deadlineMs,
    noHostChanges: options.noHostChanges,
    onStart: (env, total) => say(`${engineTitle(env)} at ${env.address}: running ${total} experiment${total === 1 ? '' : 's'}`),
    onResult: (r, done, total) => {
      const detail = r.verdict === 'differs' ? `${r.observed}; ${r.differences.map((d) => d.detail).join('; ')}` : r.verdict === 'error' ? r.error : r.observed;
      io.out(`[${done}/${total}] ${r.slug}: ${r.verdict} (${seconds(r.durationMs)}): ${detail}`);
    },
  });
  const bad = run.experiments.filter((r) => r.verdict === 'differs' || r.verdict === 'error');
  const count = (v: string) => run.experiments.filter((r) => r.verdict === v).length;
  const na = count('not applicable');
  say(`${count('as expected')} as expected, ${count('differs')} differ, ${count('error')} error(s)${na ? `, ${na} not applicable` : ''} in ${seconds(run.durationMs)}`);
  if (run.incomplete) say(`incomplete: ${run.incomplete}`);
  // The results above are printed whatever happens to the report; a report that cannot be written is a failure.
  try {
    const written = writeReport(run, EXPERIMENTS, dir);
    say(`${written.partial ? 'partial report (the last full report is left as it was)' : 'report'}: ${written.markdown} (and ${written.json})`);
    // For a parent process (the matrix): where the report went, as data.
    if (process.env.SHMLAB_RESULT_FILE) writeFileSync(process.env.SHMLAB_RESULT_FILE, JSON.stringify(written));
  } catch (err) {
    if (!(err instanceof ReportWriteError)) throw err;
    io.err(`shmlab: the report was not written: ${err.message}`);
    return 1;
  }
  return bad.length || run.incomplete ? 1 : 0;
}
