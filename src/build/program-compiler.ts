// Compiles c-src/ into static programs with cc, once per content hash of the sources; and the same for the C programs
// of user experiments (`--experiments DIR`, DIR/c-src/*.c).

import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { hasCommand } from '../engine/host-tools.js';
import { interruption, processSignal } from '../engine/interruption.js';
import { SetupError, UsageError } from '../errors.js';
import type { ProcessLease } from '../lab/process-lease.js';
import { C_SRC, CACHE } from '../paths.js';
import { hashFiles, listFiles } from './content-hash.js';

const CFLAGS = ['-static', '-O2', '-s', '-Wall', '-Wextra', '-Werror'];
const SHARED = ['common.c'];

interface CompiledPrograms {
  dir: string;
  hash: string;
  names: string[];
  /** False when they came from the cache. */
  compiled: boolean;
}

/** Before anything starts: the programs are compiled already, or a C compiler is there to compile them and the cache takes them. */
export async function checkToolchain(): Promise<void> {
  const hash = hashFiles(C_SRC, listFiles(C_SRC), CFLAGS).slice(0, 16);
  if (existsSync(join(CACHE, 'programs', hash, '.complete'))) return;
  if (!(await hasCommand('cc'))) throw new SetupError(NO_CC);
  checkCache();
}

const NO_CC = 'No C compiler (cc) on PATH: install gcc and libc6-dev (Debian: apt-get install gcc libc6-dev), then try again.';

/** Room the compiled programs need in the cache (shmlab's own take about 12 MiB, static and stripped). */
const CACHE_ROOM_BYTES = 32 * 1024 * 1024;

/** The cache can take compiled programs: a file where it should be, a read-only or a full folder is one sentence (exit 2). */
function checkCache(): void {
  const programs = join(CACHE, 'programs');
  try {
    makeDirs(programs);
    accessSync(programs, constants.W_OK);
    const fs = statfsSync(programs);
    const free = fs.bavail * fs.bsize;
    if (free < CACHE_ROOM_BYTES) throw new Error(`${Math.floor(free / 1024)} KiB free, compiling needs ${CACHE_ROOM_BYTES / 1024 / 1024} MiB`);
  } catch (err) {
    throw cacheError(err);
  }
}

function cacheError(err: unknown): SetupError {
  const e = err as NodeJS.ErrnoException;
  return new SetupError(
    `The cache folder ${CACHE} cannot take the compiled programs (${e.code ?? e.message}): set SHMLAB_CACHE_DIR to a writable folder with room, then try again.`,
  );
}

// What a full, read-only or misplaced cache makes the file system answer (a compiler's words included).
const CACHE_FAILURE = /^(ENOSPC|EROFS|EACCES|EPERM|ENOTDIR|EDQUOT|EEXIST)$/;
const CACHE_FAILURE_WORDS = /No space left on device|Read-only file system|Disk quota exceeded/;

// One level at a time: Node's recursive mkdir spins forever under /proc.
function makeDirs(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent);
  mkdirSync(dir);
}

export async function compilePrograms(say: (line: string) => void, lease: ProcessLease, signal = processSignal()): Promise<CompiledPrograms> {
  const sources = listFiles(C_SRC);
  const hash = hashFiles(C_SRC, sources, CFLAGS).slice(0, 16);
  const names = sources.filter((f) => f.endsWith('.c') && !SHARED.includes(basename(f))).map((f) => basename(f, '.c'));
  const dir = join(CACHE, 'programs', hash);
  if (existsSync(join(dir, '.complete'))) return { dir, hash, names, compiled: false };

  if (!(await hasCommand('cc'))) throw new SetupError(NO_CC);
  say(`compiling ${names.length} C programs (cc -static)...`);
  await buildInPlace(dir, lease, signal, (work) =>
    Promise.all(
      names.map(async (name) => {
        const out = await cc([...CFLAGS, '-o', join(work, name), `${name}.c`, ...SHARED], C_SRC, signal);
        if (signal?.aborted) throw interruption(signal, 'while compiling the C programs');
        if (out.exitCode === 0) return;
        if (CACHE_FAILURE_WORDS.test(String(out.stderr))) throw cacheError(new Error(CACHE_FAILURE_WORDS.exec(String(out.stderr))![0]));
        throw new Error(`compiling c-src/${name}.c failed:\n${out.stderr || out.message}`);
      }),
    ),
  );
  return { dir, hash, names, compiled: true };
}

// The compilers' temporary folders not yet removed; also removed at the process's exit, since a signal during the
// compile ends shmlab before the calls return. One listener for all (a compile runs every program's cc at once).
const scratches = new Set<string>();
process.once('exit', () => {
  for (const scratch of scratches) rmSync(scratch, { recursive: true, force: true });
});

function dropScratch(scratch: string): void {
  rmSync(scratch, { recursive: true, force: true });
  scratches.delete(scratch);
}

/**
 * Runs cc in a process group of its own: a signal ends it and what it started (cc1, as, ld) at once. Killing cc alone
 * would leave its children holding its output open, and the wait for it going on until they finish.
 */
async function cc(args: string[], cwd: string, signal: AbortSignal | undefined) {
  // Its temporary files (cc1's assembly, collect2's and ld's) in a folder of this call's, removed after: a SIGKILL
  // leaves them behind, and in the system's temporary folder they would pile up.
  const scratch = mkdtempSync(join(tmpdir(), 'shmlab-cc-'));
  scratches.add(scratch);
  const child = execa('cc', args, { cwd, reject: false, detached: true, env: { ...process.env, TMPDIR: scratch } });
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // ended already
    }
  };
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    return await child;
  } finally {
    signal?.removeEventListener('abort', stop);
    dropScratch(scratch);
  }
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
  checkCache();
}

/**
 * Compiles each DIR/c-src/<name>.c (with the headers beside it) into the static program <name>, once per content
 * hash. A program that does not compile is the user's to fix: one sentence with the compiler's first error, exit 2.
 */
export async function compileUserPrograms(cSrc: string, say: (line: string) => void, lease: ProcessLease, signal = processSignal()): Promise<CompiledPrograms> {
  const { hash, names, dir } = userSources(cSrc);
  if (existsSync(join(dir, '.complete'))) return { dir, hash, names, compiled: false };
  if (!(await hasCommand('cc'))) throw new SetupError(NO_CC);
  say(`compiling ${names.length} C program${names.length === 1 ? '' : 's'} of ${cSrc} (cc -static)...`);
  await buildInPlace(dir, lease, signal, async (work) => {
    for (const name of names) {
      const out = await cc([...USER_CFLAGS, '-o', join(work, name), `${name}.c`], cSrc, signal);
      if (signal?.aborted) throw interruption(signal, `while compiling ${join(cSrc, `${name}.c`)}`);
      if (out.exitCode !== 0 && CACHE_FAILURE_WORDS.test(String(out.stderr))) throw cacheError(new Error(CACHE_FAILURE_WORDS.exec(String(out.stderr))![0]));
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
 * Builds into a folder beside `dir` and renames it into place, so that a concurrent run never sees half a set. The
 * folder is made new (mkdir fails on anything already there, a planted link included), only this user may enter it,
 * and its name cannot be guessed; it ends in `.tmp-<lease>`, so that a build killed half-way is recognised by its
 * process's lease and removed by clean or the next run.
 */
async function buildInPlace(dir: string, lease: ProcessLease, signal: AbortSignal | undefined, build: (work: string) => Promise<unknown>): Promise<void> {
  let work: string;
  try {
    makeDirs(dirname(dir));
    work = makeOwnDir(dir, lease);
  } catch (err) {
    throw CACHE_FAILURE.test((err as NodeJS.ErrnoException).code ?? '') ? cacheError(err) : err;
  }
  try {
    await build(work);
    if (signal?.aborted) throw interruption(signal, 'while compiling the C programs');
    closeSync(openSync(join(work, '.complete'), constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o644));
    if (!existsSync(join(dir, '.complete'))) {
      // In place, readable as the cache's folders always were; only the work in progress was this user's alone.
      chmodSync(work, 0o755);
      try {
        // Never over a set in place: another process may have put the same programs there a moment ago (the folder's
        // name is their hash), and a run may be reading them.
        renameSync(work, dir);
      } catch (err) {
        if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
        // What is in the way is only replaced when it is not a whole set (a build killed half-way, an older layout).
        if (!existsSync(join(dir, '.complete'))) {
          rmSync(dir, { recursive: true, force: true });
          renameSync(work, dir);
        }
      }
    }
  } catch (err) {
    throw CACHE_FAILURE.test((err as NodeJS.ErrnoException).code ?? '') ? cacheError(err) : err;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `<dir's name>.<random>.tmp-<lease>`, made by this process and no other (EEXIST: another name is drawn). */
function makeOwnDir(dir: string, lease: ProcessLease): string {
  for (let attempt = 0; ; attempt++) {
    const work = `${dir}.${randomBytes(8).toString('hex')}.tmp-${lease.id}`;
    try {
      mkdirSync(work, { mode: 0o700 });
      return work;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 8) throw err;
    }
  }
}
