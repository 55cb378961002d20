// node dist/scripts/render-reports.js [folder]: renders the markdown of every JSON report in the folder (default
// ./reports) again, and the folder's matrix.md from its full (not .partial) reports, with this version's renderers.
// For a change of layout: the runs stay as they were, only their text is made anew. Each JSON report is checked
// against the report's schema first; a folder with none is an error (exit 2).
import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CATALOG, EXPERIMENTS } from '../experiments/index.js';
import { gateOf, readEnginesFile } from '../src/matrix/engines-file.js';
import type { RunResult } from '../src/model/result.js';
import { ROOT } from '../src/paths.js';
import { byEngine } from '../src/report/engine-order.js';
import { readReport } from '../src/report/read-report.js';
import { renderMarkdown } from '../src/report/render-markdown.js';
import { renderMatrix } from '../src/report/render-matrix.js';
import { reportBaseName } from '../src/report/report-name.js';
import { writeFilesAtomically } from '../src/report/write-report.js';

function main(): number {
  const dir = resolve(process.argv[2] ?? 'reports');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (!files.length) {
    console.error(`render-reports: no JSON reports in ${dir}.`);
    return 2;
  }
  const full: RunResult[] = [];
  const out: [string, string][] = [];
  for (const file of files) {
    const run = readReport(join(dir, file));
    const base = basename(file, '.json');
    const partial = base.endsWith('.partial');
    // The matrix links to <reportBaseName>.md: a report under another name would be a dead link there.
    const expected = reportBaseName(run.environment) + (partial ? '.partial' : '');
    if (base !== expected) console.error(`render-reports: ${file} would now be named ${expected}.json; the matrix links to ${expected}.md.`);
    out.push([join(dir, `${base}.md`), renderMarkdown(run, CATALOG)]);
    if (!partial) full.push(run);
  }
  // Which engines decide the matrix's exit code is the engines file's to say (the reports do not carry it).
  const gates = gateOf(readEnginesFile(join(ROOT, 'engines.json')));
  if (full.length) out.push([join(dir, 'matrix.md'), renderMatrix([...full].sort(byEngine), EXPERIMENTS, { gates })]);
  writeFilesAtomically(out);
  for (const [path, text] of out) console.log(`render-reports: ${path} (${Buffer.byteLength(text)} bytes)`);
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(`render-reports: ${(err as Error).message}`);
  process.exitCode = 2;
}
