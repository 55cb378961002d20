// Reads a JSON report back (for `shmlab compare`), checking that it is one, in a format this version knows.
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { RunResult } from '../model/result.js';

export function readReport(path: string): RunResult {
  let data: Partial<RunResult>;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`Cannot read the report ${path} (${e.code ?? e.message}).`);
  }
  if (data.format !== 1) throw new UsageError(`${path} is not a shmlab JSON report of format 1 (format: ${JSON.stringify(data.format)}).`);
  if (!data.environment || !Array.isArray(data.experiments)) throw new UsageError(`${path} is not a complete shmlab report (no environment or experiments).`);
  return data as RunResult;
}
