// `shmlab matrix`, `shmlab compare` and `shmlab engines up|down`.
import { join, resolve } from 'node:path';
import { IMAGES } from '../../experiments/images.js';
import { CATALOG, EXPERIMENTS, selectExperiments } from '../../experiments/index.js';
import { checkToolchain, checkUserToolchain } from '../build/program-compiler.js';
import { checkTempDir } from '../engine/host-tools.js';
import { UsageError } from '../errors.js';
import { processLease } from '../lab/process-lease.js';
import { provisionEngine, stopEngine } from '../matrix/engine-provisioner.js';
import { type EngineEntry, gateOf, parseEngineOption, readEnginesFile } from '../matrix/engines-file.js';
import { runMatrix } from '../matrix/matrix-runner.js';
import { REPORTS, ROOT } from '../paths.js';
import { junitTarget, writeJUnit } from '../report/junit.js';
import { matrixFiles } from '../report/matrix-files.js';
import { ReportWriteError, writeFilesAtomically } from '../report/write-report.js';
import { loadUserExperiments, prepareUserPrograms } from '../run/user-experiments.js';
import type { Output } from './output.js';
import { ensureWritableDir } from './report-dir.js';

interface EngineChoice {
  enginesFile?: string;
  engine?: string[];
}

/** The engines of the file (default engines.json), or only those given with --engine when there are any. */
function chooseEngines(choice: EngineChoice): EngineEntry[] {
  const given = (choice.engine ?? []).map(parseEngineOption);
  if (given.length && !choice.enginesFile) return given;
  return [...readEnginesFile(choice.enginesFile ?? join(ROOT, 'engines.json')), ...given];
}

export async function matrixCommand(
  options: EngineChoice & { only?: string[]; reportDir?: string; keepEngines?: boolean; noHostChanges?: boolean; experimentsDir?: string; junit?: string },
  io: Output,
  signal: AbortSignal,
): Promise<number> {
  const engines = chooseEngines(options);
  const userDir = options.experimentsDir;
  const user = userDir === undefined ? undefined : await loadUserExperiments(userDir, { experiments: EXPERIMENTS, images: Object.keys(IMAGES) }, { signal });
  try {
    selectExperiments(options.only, user?.experiments);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const dir = ensureWritableDir(options.reportDir ?? REPORTS);
  const junit = options.junit === undefined ? undefined : junitTarget(options.junit);
  // What every engine's run needs of this machine, said once before any engine is started.
  checkTempDir();
  await checkToolchain();
  const say = (line: string) => io.out(`shmlab: ${line}`);
  if (user) {
    // Compiled once here, so that a program that does not compile stops the matrix before any engine starts (the
    // runs find it compiled); each run loads the same folder, which its run-options file names.
    if (user.cSrc) {
      await checkUserToolchain(user.cSrc);
      await prepareUserPrograms(user, say, await processLease(), signal);
    }
  }
  say(`matrix over ${engines.map((e) => e.name).join(', ')}`);
  const outcome = await runMatrix(engines, {
    only: options.only,
    reportDir: dir,
    keepEngines: Boolean(options.keepEngines),
    noHostChanges: Boolean(options.noHostChanges),
    ...(userDir ? { experimentsDir: resolve(userDir) } : {}),
    say,
    signal,
  });
  let exitCode = outcome.exitCode;
  const path = join(dir, 'matrix.md');
  // A matrix of partial reports would read as a finished one: the last one is kept, as a run keeps its last full report.
  if (outcome.interrupted) say(`the matrix was interrupted, so ${path} is left as it was`);
  else if (outcome.runs.length) {
    writeMatrix(await matrixFiles(path, dir, outcome.runs, [...EXPERIMENTS, ...(user?.experiments ?? [])], CATALOG, { gates: gateOf(engines) }));
    say(`matrix: ${path}`);
  }
  // The JUnit, as run's: what ran, an interrupted run's test suite marked as such.
  if (junit && outcome.runs.length) {
    try {
      writeJUnit(junit, outcome.runs);
      say(`JUnit XML: ${junit}`);
    } catch (err) {
      if (!(err instanceof ReportWriteError)) throw err;
      io.err(`shmlab: the JUnit XML was not written: ${err.message}`);
      exitCode = Math.max(exitCode, 1);
    }
  }
  for (const f of outcome.failures) say(`${f.engine}: ${f.why}`);
  return exitCode;
}

export async function enginesCommand(action: 'up' | 'down', choice: EngineChoice, io: Output): Promise<number> {
  const say = (line: string) => io.out(`shmlab: ${line}`);
  for (const engine of chooseEngines(choice)) {
    if (action === 'up') {
      const daemon = await provisionEngine(engine, (line) => say(`[${engine.name}] ${line}`));
      say(`[${engine.name}] ${daemon.startedHere ? 'started' : 'already answering'} at ${daemon.address}`);
    } else {
      say(`[${engine.name}] ${(await stopEngine(engine, (line) => say(`[${engine.name}] ${line}`))) ? 'stopped' : "not running (or not shmlab's)"}`);
    }
  }
  return 0;
}

/** The matrix page and its picture; a folder that refuses them is the user's to change. */
export function writeMatrix(files: [string, string][]): void {
  try {
    writeFilesAtomically(files);
  } catch (err) {
    if (err instanceof ReportWriteError) throw new UsageError(`${err.message.replace(/\.$/, '')}; choose another --out.`);
    throw err;
  }
}
