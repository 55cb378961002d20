// Writes a run's report, markdown and JSON, into an existing folder (checked by the CLI before the run); the only part of reporting that touches the disk.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Experiment } from '../model/experiment.js';
import type { RunResult } from '../model/result.js';
import { renderMarkdown } from './render-markdown.js';
import { reportBaseName } from './report-name.js';

export interface WrittenReport {
  markdown: string;
  json: string;
}

export function writeReport(run: RunResult, experiments: readonly Experiment[], dir: string): WrittenReport {
  const base = join(dir, reportBaseName(run.environment));
  writeFileSync(`${base}.md`, renderMarkdown(run, experiments));
  writeFileSync(`${base}.json`, `${JSON.stringify(run, null, 2)}\n`);
  return { markdown: `${base}.md`, json: `${base}.json` };
}
