// Reads a JSON report back (for `shmlab compare`), checking that it is one, in a format this version knows.
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { RunResult } from '../model/result.js';

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
  if (problem) throw new UsageError(`${path} is not a shmlab JSON report of format 1: ${problem}.`);
  return data as RunResult;
}

// What the matrix reads of a report, checked before it is read.
function reportProblem(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return `it holds ${data === null ? 'null' : Array.isArray(data) ? 'a list' : typeof data}, not an object`;
  const run = data as Record<string, unknown>;
  if (run.format !== 1) return `its format is ${JSON.stringify(run.format)}`;
  const env = run.environment as Record<string, unknown> | undefined;
  if (typeof env !== 'object' || env === null) return 'it has no environment';
  for (const field of ['kind', 'serverVersion'] as const) if (typeof env[field] !== 'string') return `environment.${field} is not a string`;
  if (typeof run.privilege !== 'object' || run.privilege === null || typeof (run.privilege as { mode?: unknown }).mode !== 'string') return 'privilege.mode is not a string';
  if (!Array.isArray(run.experiments)) return 'it has no experiments list';
  for (const [i, e] of (run.experiments as unknown[]).entries()) {
    const x = e as Record<string, unknown> | null;
    if (typeof x !== 'object' || x === null) return `experiments[${i}] is not an object`;
    if (typeof x.slug !== 'string') return `experiments[${i}].slug is not a string`;
    if (!['as expected', 'differs', 'error', 'not applicable'].includes(x.verdict as string)) return `experiments[${i}].verdict is ${JSON.stringify(x.verdict)}`;
    if (typeof x.observed !== 'string') return `experiments[${i}].observed is not a string`;
    if (!Array.isArray(x.steps) || !Array.isArray(x.differences)) return `experiments[${i}] has no steps or differences list`;
  }
  return undefined;
}
