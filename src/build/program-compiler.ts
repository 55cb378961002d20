// Compiles c-src/ into static programs with cc, once per content hash of the sources.
import { execa } from 'execa';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { C_SRC, CACHE } from '../paths.js';
import { hasCommand } from '../engine/local-engine.js';
import { SetupError } from '../errors.js';
import type { ProcessLease } from '../run/process-lease.js';
import { hashFiles, listFiles } from './content-hash.js';

const CFLAGS = ['-static', '-O2', '-s', '-Wall', '-Wextra', '-Werror'];
const SHARED = ['common.c'];

export interface CompiledPrograms {
  dir: string;
  hash: string;
  names: string[];
  /** False when they came from the cache. */
  compiled: boolean;
}

/** Before anything starts: the programs are compiled already, or a C compiler is there to compile them. */
export async function checkToolchain(): Promise<void> {
  const hash = hashFiles(C_SRC, listFiles(C_SRC), CFLAGS).slice(0, 16);
  if (existsSync(join(CACHE, 'programs', hash, '.complete'))) return;
  if (!(await hasCommand('cc'))) throw new SetupError(NO_CC);
}

const NO_CC = 'No C compiler (cc) on PATH: install gcc and libc6-dev (Debian: apt-get install gcc libc6-dev), then try again.';

export async function compilePrograms(say: (line: string) => void, lease: ProcessLease): Promise<CompiledPrograms> {
  const sources = listFiles(C_SRC);
  const hash = hashFiles(C_SRC, sources, CFLAGS).slice(0, 16);
  const names = sources.filter((f) => f.endsWith('.c') && !SHARED.includes(basename(f))).map((f) => basename(f, '.c'));
  const dir = join(CACHE, 'programs', hash);
  if (existsSync(join(dir, '.complete'))) return { dir, hash, names, compiled: false };

  if (!(await hasCommand('cc'))) throw new SetupError(NO_CC);
  say(`compiling ${names.length} C programs (cc -static)...`);
  // Build beside the target and rename into place, so a concurrent run never sees half a set; the folder is named
  // after this process's lease, so that a build killed half-way is recognised and removed by clean or the next run.
  const work = `${dir}.tmp-${lease.id}`;
  mkdirSync(work, { recursive: true });
  try {
    await Promise.all(
      names.map((name) =>
        execa('cc', [...CFLAGS, '-o', join(work, name), `${name}.c`, ...SHARED], { cwd: C_SRC }).catch((err) => {
          throw new Error(`compiling c-src/${name}.c failed:\n${err.stderr || err.message}`);
        }),
      ),
    );
    await execa('touch', [join(work, '.complete')]);
    if (!existsSync(join(dir, '.complete'))) {
      rmSync(dir, { recursive: true, force: true });
      renameSync(work, dir);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { dir, hash, names, compiled: true };
}
