// `shmlab matrix`: every experiment against each engine, engines in parallel, each run in its own process
// (one engine per process, as Docker's tools choose it), then the comparison of their reports.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import tmp from 'tmp';
import { writeFileAtomically } from '../fs/atomic-write.js';
import { inTurns } from '../lab/in-turns.js';
import type { RunResult } from '../model/result.js';
import type { RunOptionsFile } from '../model/run-options-file.js';
import { ROOT } from '../paths.js';
import { readReport } from '../report/read-report.js';
import { type ProvisionedEngine, provisionEngine, stopEngine } from './engine-provisioner.js';
import type { EngineEntry } from './engines-file.js';

interface MatrixOptions {
  only?: string[];
  reportDir: string;
  keepEngines: boolean;
  noHostChanges?: boolean;
  /** The user experiments' folder, handed to each engine's run. */
  experimentsDir?: string;
  say: (line: string) => void;
  signal: AbortSignal;
}

interface MatrixOutcome {
  runs: RunResult[];
  /** Engines that could not be provisioned or run, with why. */
  failures: { engine: string; why: string }[];
  /** The worst exit code of the engines' runs. */
  exitCode: number;
  /** A signal ended the matrix: the runs it stopped left partial reports, the others did not run. */
  interrupted: boolean;
}

const CLI = join(ROOT, 'dist/src/cli.js');

/** Engines whose runs go at once; the rest wait for a place. */
const ENGINES_AT_ONCE = 5;

export async function runMatrix(engines: EngineEntry[], options: MatrixOptions): Promise<MatrixOutcome> {
  const { say } = options;
  const failures: MatrixOutcome['failures'] = [];
  const started: EngineEntry[] = [];
  const addresses = new Map<string, ProvisionedEngine['run']>();
  // Whether the signal ended or prevented a run (not merely came after the last one ended).
  let interrupted = false;
  const notRun = (engine: string) => {
    interrupted = true;
    failures.push({ engine, why: 'not run: the matrix was interrupted before its turn' });
  };
  try {
    // One at a time: apt and the daemons' first start compete for the same two cores and the same locks.
    for (const engine of engines) {
      if (options.signal.aborted) {
        notRun(engine.name);
        continue;
      }
      try {
        const daemon = await provisionEngine(engine, (line) => say(`[${engine.name}] ${line}`));
        if (daemon.startedHere) started.push(engine);
        addresses.set(engine.name, daemon.run);
      } catch (err) {
        failures.push({ engine: engine.name, why: (err as Error).message });
        say(`[${engine.name}] not available: ${(err as Error).message}`);
      }
    }
    // At most ENGINES_AT_ONCE engines run at a time, with fewer experiments each when several share the machine:
    // every engine's own deadlines must hold under the load of the others.
    const concurrency = String(Math.max(2, Math.floor(6 / Math.max(1, Math.min(ENGINES_AT_ONCE, addresses.size)))));
    const outcomes = await inTurns([...addresses], ENGINES_AT_ONCE, async ([name, engineRun]): Promise<{ exitCode: number; report?: RunResult }> => {
      // An interruption ends the runs under way (each writes its partial report) and starts no other.
      if (options.signal.aborted) {
        notRun(name);
        return { exitCode: 1 };
      }
      const args = [
        CLI,
        'run',
        '--report-dir',
        options.reportDir,
        '--concurrency',
        concurrency,
        ...(options.only ? ['--only', options.only.join(',')] : []),
        ...(options.noHostChanges ? ['--no-host-changes'] : []),
      ];
      // The child is told its engine and settings in one file, and says where its report went in another: its human
      // output is for people only. The user's engine variables are not the child's: its engine is the file's.
      const folder = tmp.dirSync({ prefix: 'shmlab-matrix-', unsafeCleanup: true }).name;
      const resultFile = join(folder, 'result.json');
      const runOptions: RunOptionsFile = { ...engineRun, resultFile, ...(options.experimentsDir ? { experimentsDir: options.experimentsDir } : {}) };
      writeFileAtomically(join(folder, 'run-options.json'), JSON.stringify(runOptions));
      args.push('--run-options', join(folder, 'run-options.json'));
      const env: Record<string, string | undefined> = { ...process.env, DOCKER_HOST: undefined, CONTAINER_RUNTIME_ENDPOINT: undefined };
      const child = execa('node', args, {
        env,
        extendEnv: false,
        reject: false,
        cancelSignal: options.signal,
        gracefulCancel: false,
        forceKillAfterDelay: 60_000,
        killSignal: 'SIGTERM',
      });
      const relay = (chunk: Buffer) =>
        chunk
          .toString()
          .split('\n')
          .filter(Boolean)
          .forEach((l) => {
            say(`[${name}] ${l.replace(/^shmlab: /, '')}`);
          });
      child.stdout?.on('data', relay);
      child.stderr?.on('data', relay);
      const result = await child;
      if (result.isCanceled) interrupted = true;
      const json = readResultFile(resultFile);
      rmSync(join(resultFile, '..'), { recursive: true, force: true });
      if (!json)
        failures.push({
          engine: name,
          // Its own words were relayed above as they came: here the one line that says why it ended.
          why: result.isCanceled
            ? 'its run was interrupted before it wrote a report'
            : `its run wrote no report (${result.exitCode !== undefined ? `exit ${result.exitCode}` : result.signal ? `ended by ${result.signal}` : result.shortMessage}${result.stderr ? `: ${lastLine(result.stderr)}` : ''})`,
        });
      // One engine's unreadable report must not end the others' runs (their engines are stopped only after all).
      let report: RunResult | undefined;
      try {
        report = json ? readReport(json) : undefined;
      } catch (err) {
        failures.push({ engine: name, why: `its report could not be read: ${(err as Error).message}` });
      }
      // An engine that is no gate (a runtime known to differ) counts only when its run failed outright.
      const gate = engines.find((e) => e.name === name)?.gate !== false;
      const exitCode = result.exitCode ?? 1;
      // Only the verdicts of a whole run are masked: an incomplete run, leftovers or any other exit still count.
      const onlyVerdicts = report && !report.incomplete && !report.leftovers?.length && exitCode === 1;
      return { exitCode: gate || !onlyVerdicts ? exitCode : 0, report };
    });
    const runs = outcomes.flatMap((o) => (o.report ? [o.report] : []));
    const exitCode = Math.max(failures.length ? 1 : 0, ...outcomes.map((o) => (o.exitCode === 0 ? 0 : o.exitCode === 2 ? 2 : 1)));
    return { runs, failures, exitCode, interrupted };
  } finally {
    if (!options.keepEngines) {
      for (const engine of started)
        if (await stopEngine(engine, (line) => say(`[${engine.name}] ${line}`))) say(`[${engine.name}] stopped (shmlab started it)`);
    }
  }
}

function readResultFile(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { json?: string }).json;
  } catch {
    return undefined;
  }
}

function lastLine(text: string): string {
  return text
    .trim()
    .split('\n')
    .at(-1)!
    .replace(/^shmlab: /, '');
}
