// Where shmlab reads and writes.
// - ROOT: the package's own folder (found by its c-src/, from src/ in tests or dist/src/ when built or installed):
//   only for the files it ships and reads (c-src/, fixtures/, engines.json, schema/, package.json). It may be
//   read-only, e.g. a global install; nothing is written there.
// - REPORTS: ./reports of the folder shmlab runs in, unless --report-dir (or --out) says otherwise.
// - CACHE: compiled programs and fetched Debian packages: $SHMLAB_CACHE_DIR, else $XDG_CACHE_HOME/shmlab, else
//   ~/.cache/shmlab (a per-user folder under the temporary folder when there is no home folder).
import { existsSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
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

/** The cache folder for an environment: $SHMLAB_CACHE_DIR, else $XDG_CACHE_HOME/shmlab, else ~/.cache/shmlab. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env, home: () => string = homedir): string {
  if (env.SHMLAB_CACHE_DIR?.trim()) return resolve(env.SHMLAB_CACHE_DIR);
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and is ignored.
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, 'shmlab');
  let base: string;
  try {
    base = home();
  } catch {
    base = ''; // no home folder at all (no HOME, no passwd entry)
  }
  return base ? join(base, '.cache', 'shmlab') : join(tmpdir(), `shmlab-cache-${process.getuid?.() ?? 'user'}`);
}

/** ./reports of the current folder (a folder deleted under the process is left to --report-dir's check to name). */
function reportsDir(): string {
  try {
    return join(process.cwd(), 'reports');
  } catch {
    return 'reports';
  }
}

export const ROOT = findRoot();
export const C_SRC = join(ROOT, 'c-src');
export const FIXTURES = join(ROOT, 'fixtures');
/** The default report folder: ./reports of the folder shmlab runs in, never the package's own. */
export const REPORTS = reportsDir();
/** Compiled programs (keyed by the hash of their sources) and fetched Debian packages (engines, runtimes). */
export const CACHE = cacheDir();
export const HARNESS_VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
