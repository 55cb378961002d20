// Checks, before anything starts, that the report folder can be written.
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/** `option`: what the user chooses the folder with, named in the sentence (--report-dir, or compare's --out). */
export function ensureWritableDir(dir: string, option = '--report-dir'): string {
  const full = resolve(dir);
  try {
    makeDirs(full);
    if (!statSync(full).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    accessSync(full, constants.W_OK);
  } catch (err) {
    throw new UsageError(`Cannot write reports to ${full} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose another ${option}.`);
  }
  return full;
}

// One level at a time: Node's recursive mkdir spins forever under /proc.
function makeDirs(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent);
  mkdirSync(dir);
}
