// Reads a JSON report back (for `shmlab compare` and the matrix), checked against the report's JSON Schema
// (schema/report-v1.schema.json) before anything of it is used.
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { RunResult } from '../model/result.js';
import { reportProblem } from './validate-report.js';

/** The report at `path`; anything else is one sentence naming the file and the field: a UsageError (exit 2). */
export function readReport(path: string): RunResult {
  let data: unknown;
  try {
    // A FIFO or a device would block or never end: only regular files are read.
    if (!statSync(path).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`Cannot read the report ${path} (${e instanceof SyntaxError ? 'not valid JSON' : (e.code ?? e.message)}).`);
  }
  const problem = reportProblem(data);
  if (problem) throw new UsageError(`${path} is not a shmlab report: ${problem}.`);
  return data as RunResult;
}
