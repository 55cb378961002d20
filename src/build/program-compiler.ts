// Compiles c-src/ into static programs with cc, once per content hash of the sources; and the same for the C programs
// of user experiments (`--experiments DIR`, DIR/c-src/*.c).

import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { hasCommand } from '../engine/local-engine.js';
import { SetupError, UsageError } from '../errors.js';
import { C_SRC, CACHE } from '../paths.js';
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
  await buildInPlace(dir, lease, (work) =>
    Promise.all(
      names.map((name) =>
        execa('cc', [...CFLAGS, '-o', join(work, name), `${name}.c`, ...SHARED], { cwd: C_SRC }).catch((err) => {
          throw new Error(`compiling c-src/${name}.c failed:\n${err.stderr || err.message}`);
        }),
      ),
    ),
  );
  return { dir, hash, names, compiled: true };
}

/** The names of shmlab's own programs, as they are in the images' /bin: c-src/*.c but the shared code. */
export function programNames(): string[] {
  return listFiles(C_SRC)
    .filter((f) => f.endsWith('.c') && !SHARED.includes(basename(f)))
    .map((f) => basename(f, '.c'));
}

// A user's code is theirs: warnings are shown by nobody and stop nothing; static, as the images have no C library.
const USER_CFLAGS = ['-static', '-O2', '-s', '-Wall'];

function userSources(cSrc: string): { sources: string[]; hash: string; names: string[]; dir: string } {
  const sources = listFiles(cSrc);
  const hash = `user-${hashFiles(cSrc, sources, USER_CFLAGS).slice(0, 16)}`;
  const names = sources.filter((f) => f.endsWith('.c') && !f.slice(cSrc.length + 1).includes('/')).map((f) => basename(f, '.c'));
  // Beside shmlab's own, so that `clean` recognises a half-done build (`<hash>.tmp-<lease>`) the same way.
  return { sources, hash, names, dir: join(CACHE, 'programs', hash) };
}

/** Before anything starts: the user's programs are compiled already, or a C compiler is there to compile them. */
export async function checkUserToolchain(cSrc: string): Promise<void> {
  if (existsSync(join(userSources(cSrc).dir, '.complete'))) return;
  if (!(await hasCommand('cc'))) throw new SetupError(NO_CC);
}

/**
 * Compiles each DIR/c-src/<name>.c (with the headers beside it) into the static program <name>, once per content
 * hash. A program that does not compile is the user's to fix: one sentence with the compiler's first error, exit 2.
 */
export async function compileUserPrograms(cSrc: string, say: (line: string) => void, lease: ProcessLease): Promise<CompiledPrograms> {
  const { hash, names, dir } = userSources(cSrc);
  if (existsSync(join(dir, '.complete'))) return { dir, hash, names, compiled: false };
  if (!(await hasCommand('cc'))) throw new SetupError(NO_CC);
  say(`compiling ${names.length} C program${names.length === 1 ? '' : 's'} of ${cSrc} (cc -static)...`);
  await buildInPlace(dir, lease, async (work) => {
    for (const name of names) {
      const out = await execa('cc', [...USER_CFLAGS, '-o', join(work, name), `${name}.c`], { cwd: cSrc, reject: false });
      if (out.exitCode !== 0) {
        const lines = String(out.stderr || out.stdout || out.message)
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
        const first = lines.find((l) => /\berror\b/i.test(l)) ?? lines[0] ?? `exit ${out.exitCode}`;
        throw new UsageError(`${join(cSrc, `${name}.c`)} does not compile (cc ${USER_CFLAGS.join(' ')}): ${first}`);
      }
    }
  });
  return { dir, hash, names, compiled: true };
}

/**
 * Builds into a folder beside `dir` and renames it into place, so that a concurrent run never sees half a set; the
 * folder is named after this process's lease, so that a build killed half-way is recognised and removed by clean or
 * the next run.
 */
async function buildInPlace(dir: string, lease: ProcessLease, build: (work: string) => Promise<unknown>): Promise<void> {
  const work = `${dir}.tmp-${lease.id}`;
  mkdirSync(work, { recursive: true });
  try {
    await build(work);
    await execa('touch', [join(work, '.complete')]);
    if (!existsSync(join(dir, '.complete'))) {
      rmSync(dir, { recursive: true, force: true });
      renameSync(work, dir);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
