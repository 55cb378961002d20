// `shmlab compare`: the matrix of JSON reports gathered elsewhere (CI artifacts, another machine, a fleet), each
// report's markdown written beside it so that every link of the grid reaches a page, columns in the matrix's order.
import { basename, dirname, join, resolve } from 'node:path';
import { CATALOG, EXPERIMENTS } from '../../experiments/index.js';
import { UsageError } from '../errors.js';
import { REPORTS } from '../paths.js';
import { byEngine } from '../report/engine-order.js';
import { junitTarget, writeJUnit } from '../report/junit.js';
import { matrixFiles, SURVIVAL_PICTURE } from '../report/matrix-files.js';
import { readReport } from '../report/read-report.js';
import { renderMarkdown } from '../report/render-markdown.js';
import { columnTitle } from '../report/report-name.js';
import { ReportWriteError, writeFilesAtomically } from '../report/write-report.js';
import { writeMatrix } from './matrix-commands.js';
import type { Output } from './output.js';
import { ensureWritableDir } from './report-dir.js';

export async function compareCommand(options: { files: string[]; out?: string; junit?: string }, io: Output): Promise<number> {
  const { files } = options;
  if (files.length === 0) throw new UsageError('Expected one or more JSON reports: shmlab compare reports/docker-*.json reports/podman-*.json');
  const paths = files.map((f) => resolve(f));
  const twice = paths.find((p, i) => paths.indexOf(p) !== i);
  if (twice) throw new UsageError(`${twice} is given twice; name each report once.`);
  // Each report's page is written beside the matrix under its JSON file's name: two of one name would be one page.
  const bases = paths.map((p) => basename(p, '.json'));
  const sameName = bases.findIndex((b, i) => bases.indexOf(b) !== i);
  if (sameName >= 0)
    throw new UsageError(
      `${paths[bases.indexOf(bases[sameName]!)]} and ${paths[sameName]} have one name, and each report's page goes beside the matrix by its name: rename one.`,
    );
  const inputs = paths.map((path, i) => ({ path, base: bases[i]!, run: readReport(path) }));
  const sameRun = inputs.find((x, i) => inputs.findIndex((y) => y.run.runId === x.run.runId) !== i);
  if (sameRun) {
    const first = inputs.find((y) => y.run.runId === sameRun.run.runId)!;
    throw new UsageError(`${first.path} and ${sameRun.path} are the same run (${sameRun.run.runId}); name each run once.`);
  }
  inputs.sort((a, b) => byEngine(a.run, b.run) || a.base.localeCompare(b.base));
  const path = resolve(options.out ?? join(REPORTS, 'matrix.md'));
  const dir = ensureWritableDir(dirname(path), '--out');
  const junit = options.junit === undefined ? undefined : junitTarget(options.junit);
  const runs = inputs.map((x) => x.run);
  const matrix = await matrixFiles(path, dir, runs, EXPERIMENTS, CATALOG, {
    names: inputs.map((x) => ({ title: columnTitle(x.run.environment), base: x.base })),
  });
  writeMatrix(matrix);
  try {
    writeFilesAtomically(inputs.map((x) => [join(dir, `${x.base}.md`), renderMarkdown(x.run, CATALOG)]));
  } catch (err) {
    if (err instanceof ReportWriteError) throw new UsageError(`${err.message.replace(/\.$/, '')}; choose another --out.`);
    throw err;
  }
  const picture = matrix.length > 1 ? ` and ${SURVIVAL_PICTURE}` : '';
  io.out(`shmlab: compared ${runs.length} report(s): ${path}, each report's page${picture} beside it`);
  if (junit) {
    writeJUnit(junit, runs);
    io.out(`shmlab: JUnit XML: ${junit}`);
  }
  return 0;
}
