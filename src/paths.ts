// The project's folders, found from this module whether it runs from src/ (tests) or dist/src/ (CLI).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'c-src'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('shmlab: cannot find the project folder (no c-src/ above this module)');
    dir = up;
  }
  return dir;
}

export const ROOT = findRoot();
export const C_SRC = join(ROOT, 'c-src');
export const FIXTURES = join(ROOT, 'fixtures');
export const REPORTS = join(ROOT, 'reports');
/** Compiled programs (keyed by the hash of their sources) and fetched engines; SHMLAB_CACHE_DIR moves it. */
export const CACHE = process.env.SHMLAB_CACHE_DIR || join(ROOT, '.cache');
export const HARNESS_VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
