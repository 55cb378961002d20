// Writes a run's report, markdown and JSON, the only part of reporting that touches the disk. Both are written in
// full to temporary files beside their targets before either is renamed into place, so a report is never half
// written, and the pair comes from one run. A run that did not finish goes beside the last full report, never over it.
// Every report is checked against the format's JSON Schema first: one that does not follow it is shmlab's bug, and
// nothing is written.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFilesAtomically } from '../fs/atomic-write.js';
import type { Catalog } from '../model/catalog.js';
import type { RunResult } from '../model/result.js';
import { renderMarkdown } from './render-markdown.js';
import { reportBaseName } from './report-name.js';
import { REPORT_SCHEMA_PATH, reportProblem } from './validate-report.js';

export interface WrittenReport {
  markdown: string;
  json: string;
  /** True when the run was incomplete and went to the `.partial` pair. */
  partial: boolean;
}

export { ReportWriteError, writeFileAtomically, writeFilesAtomically } from '../fs/atomic-write.js';

/** A report that does not follow its own schema: a harness bug, never written, never mistaken for a disk problem. */
export class InvalidReportError extends Error {}

/** Throws InvalidReportError unless `run` follows schema/report-v1.schema.json, naming no field it does not know. */
function assertValidReport(run: RunResult): void {
  // What is checked is what would be written: JSON drops undefined fields and turns other values into what it can.
  const problem = reportProblem(JSON.parse(JSON.stringify(run)), { strict: true });
  if (problem) throw new InvalidReportError(`shmlab made a report that does not follow ${REPORT_SCHEMA_PATH} (a bug in shmlab): ${problem}.`);
}

export function writeReport(run: RunResult, catalog: Catalog, dir: string): WrittenReport {
  assertValidReport(run);
  const partial = Boolean(run.incomplete);
  const base = join(dir, `${reportBaseName(run.environment)}${partial ? '.partial' : ''}`);
  const written = { markdown: `${base}.md`, json: `${base}.json`, partial };
  writeFilesAtomically([
    [written.markdown, renderMarkdown(run, catalog)],
    [written.json, `${JSON.stringify(run, null, 2)}\n`],
  ]);
  // A full report supersedes the partial one an earlier interrupted run left.
  if (!partial) for (const ext of ['md', 'json']) rmSync(`${base}.partial.${ext}`, { force: true });
  return written;
}
