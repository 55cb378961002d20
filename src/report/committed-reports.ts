// The full reports of a folder (the committed reports/), read and checked against the schema, in the matrix's order.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../model/result.js';
import { byEngine } from './engine-order.js';
import { readReport } from './read-report.js';

export function committedRuns(dir: string): RunResult[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.partial.json'))
    .map((f) => readReport(join(dir, f)))
    .sort(byEngine);
}
