// `shmlab run`: the experiments against one engine, with progress as it goes and the report at the end.
import { EXPERIMENTS, selectExperiments } from '../../experiments/index.js';
import { useUserPrograms } from '../build/image-builder.js';
import { checkToolchain, checkUserToolchain } from '../build/program-compiler.js';
import { checkTempDir } from '../engine/host-tools.js';
import { UsageError } from '../errors.js';
import { processLease } from '../lab/process-lease.js';
import { REPORTS } from '../paths.js';
import { junitTarget, writeJUnit } from '../report/junit.js';
import { seconds } from '../report/markdown-kit.js';
import { engineTitle } from '../report/report-name.js';
import { ReportWriteError, writeFileAtomically, writeReport } from '../report/write-report.js';
import { runLab } from '../run/lab-runner.js';
import { EXPERIMENTS_DIR_ENV, loadUserExperiments, prepareUserPrograms } from '../run/user-experiments.js';
import type { Output } from './output.js';
import { ensureWritableDir } from './report-dir.js';

export interface RunOptions {
  only?: string[];
  reportDir?: string;
  concurrency?: number;
  deadlineMs?: number;
  engine?: { kind: 'cri' | 'docker'; address: string };
  noHostChanges?: boolean;
  /** A folder of user experiments (--experiments; the matrix passes it to its runs as SHMLAB_EXPERIMENTS_DIR). */
  experimentsDir?: string;
  /** Where to write the results as JUnit XML. */
  junit?: string;
}

export async function runCommand(options: RunOptions, io: Output, signal: AbortSignal): Promise<number> {
  // --engine names the engine as the environment would: the variable crictl or docker reads.
  if (options.engine?.kind === 'cri') process.env.CONTAINER_RUNTIME_ENDPOINT = options.engine.address;
  if (options.engine?.kind === 'docker') {
    process.env.DOCKER_HOST = options.engine.address;
    delete process.env.CONTAINER_RUNTIME_ENDPOINT;
  }
  // Every input is checked before anything starts: a bad experiment file is one sentence, and no request is made.
  const userDir = options.experimentsDir ?? (process.env[EXPERIMENTS_DIR_ENV] || undefined);
  const user = userDir ? await loadUserExperiments(userDir, EXPERIMENTS, { signal }) : undefined;
  let experiments: ReturnType<typeof selectExperiments>;
  try {
    experiments = selectExperiments(options.only, user?.experiments);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const dir = ensureWritableDir(options.reportDir ?? REPORTS);
  const junit = options.junit === undefined ? undefined : junitTarget(options.junit);
  checkTempDir();
  await checkToolchain();
  const say = (line: string) => io.out(`shmlab: ${line}`);
  // The user's programs go into the images only when one of their experiments runs: otherwise the usual images serve.
  const usesUser = user !== undefined && experiments.some((e) => user.experiments.includes(e));
  if (usesUser) {
    if (user.cSrc) await checkUserToolchain(user.cSrc);
    useUserPrograms(await prepareUserPrograms(user, say, await processLease(), signal));
  }
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
  say(
    `${count('as expected')} as expected, ${count('differs')} differ, ${count('error')} error(s)${na ? `, ${na} not applicable` : ''} in ${seconds(run.durationMs)}`,
  );
  if (run.incomplete) say(`incomplete: ${run.incomplete}`);
  // The results above are printed whatever happens to the report; a report that cannot be written is a failure.
  let unwritten = false;
  try {
    // The report renders the user's experiments as it does shmlab's own: their titles, sources and explanations.
    const written = writeReport(run, [...EXPERIMENTS, ...(user?.experiments ?? [])], dir);
    say(`${written.partial ? 'partial report (the last full report is left as it was)' : 'report'}: ${written.markdown} (and ${written.json})`);
    // For a parent process (the matrix): where the report went, as data.
    const resultFile = process.env.SHMLAB_RESULT_FILE;
    if (resultFile) {
      try {
        writeFileAtomically(resultFile, JSON.stringify(written));
      } catch (err) {
        if (!(err instanceof ReportWriteError)) throw err;
        io.err(`shmlab: where the report went could not be told to the process that started this run (SHMLAB_RESULT_FILE): ${err.message}`);
        unwritten = true;
      }
    }
  } catch (err) {
    if (!(err instanceof ReportWriteError)) throw err;
    io.err(`shmlab: the report was not written: ${err.message}`);
    unwritten = true;
  }
  if (junit) {
    try {
      writeJUnit(junit, [run]);
      say(`JUnit XML: ${junit}`);
    } catch (err) {
      if (!(err instanceof ReportWriteError)) throw err;
      io.err(`shmlab: the JUnit XML was not written: ${err.message}`);
      unwritten = true;
    }
  }
  return bad.length || run.incomplete || unwritten ? 1 : 0;
}
