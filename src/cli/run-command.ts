// `shmlab run`: the experiments against one engine, with progress as it goes and the report at the end.

import { readFileSync } from 'node:fs';
import { IMAGES } from '../../experiments/images.js';
import { catalogOf, EXPERIMENTS, selectExperiments } from '../../experiments/index.js';
import { checkToolchain, checkUserToolchain } from '../build/program-compiler.js';
import { checkTempDir } from '../engine/host-tools.js';
import { UsageError } from '../errors.js';
import { processLease } from '../lab/process-lease.js';
import type { UserProgram } from '../model/catalog.js';
import type { FamilyName } from '../model/family.js';
import { type RunOptionsFile, runOptionsProblem } from '../model/run-options-file.js';
import { REPORTS } from '../paths.js';
import { junitTarget, writeJUnit } from '../report/junit.js';
import { seconds } from '../report/markdown-kit.js';
import { engineTitle } from '../report/report-name.js';
import { ReportWriteError, writeFileAtomically, writeReport } from '../report/write-report.js';
import { runLab } from '../run/lab-runner.js';
import { loadUserExperiments, prepareUserPrograms } from '../run/user-experiments.js';
import type { Output } from './output.js';
import { ensureWritableDir } from './report-dir.js';

export interface RunOptions {
  only?: string[];
  reportDir?: string;
  concurrency?: number;
  deadlineMs?: number;
  engine?: { family: FamilyName; address: string };
  noHostChanges?: boolean;
  /** A folder of user experiments (--experiments). */
  experimentsDir?: string;
  /** What `shmlab matrix` tells this run (--run-options FILE): its engine, settings, and where to say where the report went. */
  runOptionsFile?: string;
  /** Where to write the results as JUnit XML. */
  junit?: string;
  /** The summary line as one JSON object. */
  json?: boolean;
}

export async function runCommand(options: RunOptions, io: Output, signal: AbortSignal): Promise<number> {
  const given = options.runOptionsFile === undefined ? undefined : readRunOptions(options.runOptionsFile);
  // The engine, as --engine or the matrix names it, given to the run as its option; without one, the run reads
  // CONTAINER_RUNTIME_ENDPOINT and DOCKER_HOST (this process's own environment is left as it is).
  const engine = given?.engine ?? options.engine;
  // Every input is checked before anything starts: a bad experiment file is one sentence, and no request is made.
  const userDir = options.experimentsDir ?? given?.experimentsDir;
  const user = userDir ? await loadUserExperiments(userDir, { experiments: EXPERIMENTS, images: Object.keys(IMAGES) }, { signal }) : undefined;
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
  let userPrograms: UserProgram[] | undefined;
  if (usesUser) {
    if (user.cSrc) await checkUserToolchain(user.cSrc);
    userPrograms = await prepareUserPrograms(user, say, await processLease(), signal);
  }
  const run = await runLab(experiments, {
    ...(engine ? { engine } : {}),
    images: IMAGES,
    ...(userPrograms ? { userPrograms } : {}),
    ...(given?.ctr ? { ctr: given.ctr } : {}),
    ...(given?.workarounds ? { workarounds: given.workarounds } : {}),
    ...(given?.details ? { details: given.details } : {}),
    ...(given?.panicDir ? { panicDir: given.panicDir } : {}),
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
  if (!options.json)
    say(
      `${count('as expected')} as expected, ${count('differs')} differ, ${count('error')} error(s)${na ? `, ${na} not applicable` : ''} in ${seconds(run.durationMs)}`,
    );
  let written: { markdown: string; json: string; partial: boolean } | undefined;
  if (run.incomplete) say(`incomplete: ${run.incomplete}`);
  // The results above are printed whatever happens to the report; a report that cannot be written is a failure.
  let unwritten = false;
  try {
    // The report renders the user's experiments as it does shmlab's own: their titles, sources and explanations.
    written = writeReport(run, catalogOf([...EXPERIMENTS, ...(user?.experiments ?? [])]), dir);
    say(`${written.partial ? 'partial report (the last full report is left as it was)' : 'report'}: ${written.markdown} (and ${written.json})`);
    // For a parent process (the matrix): where the report went, as data.
    const resultFile = given?.resultFile;
    if (resultFile) {
      try {
        writeFileAtomically(resultFile, JSON.stringify(written));
      } catch (err) {
        if (!(err instanceof ReportWriteError)) throw err;
        io.err(`shmlab: where the report went could not be told to the process that started this run (its run-options file's resultFile): ${err.message}`);
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
  if (options.json) {
    const summary = {
      asExpected: count('as expected'),
      differs: count('differs'),
      errors: count('error'),
      notApplicable: na,
      seconds: Math.round(run.durationMs / 100) / 10,
      ...(run.incomplete ? { incomplete: run.incomplete } : {}),
      report: written ?? null,
    };
    io.out(JSON.stringify(summary));
  }
  return bad.length || run.incomplete || unwritten ? 1 : 0;
}

// The matrix's file for this run, checked: one sentence, exit 2, when it is not what the matrix writes.
function readRunOptions(path: string): RunOptionsFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`Cannot read --run-options ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  const problem = runOptionsProblem(data);
  if (problem) throw new UsageError(`--run-options ${path} is not what shmlab matrix writes: ${problem}.`);
  return data as RunOptionsFile;
}
