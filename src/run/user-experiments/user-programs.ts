// The user's programs: DIR/bin/ (static programs, as they are) and DIR/c-src/ (C programs shmlab compiles static), both
// put in the images' /bin beside shmlab's own, checked for what would not run there or would replace shmlab's own.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { APPLETS, isStatic } from '../../build/busybox.js';
import type { UserProgram } from '../../build/image-builder.js';
import { compileUserPrograms, programNames } from '../../build/program-compiler.js';
import { UsageError } from '../../errors.js';
import type { ProcessLease } from '../../lab/process-lease.js';
import { FIXTURES } from '../../paths.js';

const PROGRAM = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export interface UserPrograms {
  /** DIR/bin/*: static programs, as they are. */
  binaries: UserProgram[];
  /** DIR/c-src, when it holds C programs to compile. */
  cSrc?: string;
  /** Every program the user adds to /bin: the binaries' names and the C programs'. */
  programs: string[];
}

/** The programs of shmlab's own in the images' /bin and /sbin: its probes, busybox and its applets, the fixtures' scripts. */
export function ourPrograms(): Set<string> {
  return new Set([...programNames(), 'busybox', ...APPLETS, ...fixturePrograms()]);
}

/** The user's programs, ready for the images: DIR/bin/ as it is, DIR/c-src/ compiled (cached by content). */
export async function prepareUserPrograms(
  user: Pick<UserPrograms, 'binaries' | 'cSrc'>,
  say: (line: string) => void,
  lease: ProcessLease,
  signal?: AbortSignal,
): Promise<UserProgram[]> {
  const compiled = user.cSrc ? await compileUserPrograms(user.cSrc, say, lease, signal) : undefined;
  return [...user.binaries, ...(compiled?.names ?? []).map((name) => ({ name, path: join(compiled!.dir, name) }))];
}

// DIR/bin/ and DIR/c-src/: what they add to /bin, checked for what would not run or would replace shmlab's own.
export function userPrograms(dir: string, full: string): UserPrograms {
  const ours = ourPrograms();
  const seen = new Map<string, string>();
  const add = (name: string, path: string) => {
    if (!PROGRAM.test(name))
      throw new UsageError(`${path}: "${name}" is no name for a program in /bin (letters, digits, dots, dashes, underscores and plus signs only); rename it.`);
    if (ours.has(name)) throw new UsageError(`${path} would replace shmlab's own /bin/${name}; rename it.`);
    const before = seen.get(name);
    if (before) throw new UsageError(`${before} and ${path} would both be /bin/${name}; keep one.`);
    seen.set(name, path);
  };
  const binaries: UserProgram[] = [];
  const bin = join(full, 'bin');
  if (existsSync(bin)) {
    if (!statSync(bin).isDirectory()) throw new UsageError(`${join(dir, 'bin')} is not a folder; bin/ holds the static programs the experiments run.`);
    for (const name of readdirSync(bin).sort()) {
      const path = join(bin, name);
      const shown = join(dir, 'bin', name);
      if (!statSync(path).isFile()) throw new UsageError(`${shown} is not a file; bin/ holds static programs only.`);
      if (!staticProgram(path))
        throw new UsageError(`${shown} is not a statically linked 64-bit ELF program: the images have no C library, so link it with -static.`);
      add(name, shown);
      binaries.push({ name, path });
    }
  }
  const src = join(full, 'c-src');
  let cSrc: string | undefined;
  if (existsSync(src)) {
    if (!statSync(src).isDirectory())
      throw new UsageError(`${join(dir, 'c-src')} is not a folder; c-src/ holds the C programs to compile, one <name>.c per program.`);
    const names = readdirSync(src)
      .filter((f) => f.endsWith('.c') && statSync(join(src, f)).isFile())
      .sort();
    for (const f of names) add(basename(f, '.c'), join(dir, 'c-src', f));
    if (names.length) cSrc = src;
  }
  return { binaries, cSrc, programs: [...seen.keys()] };
}

function staticProgram(path: string): boolean {
  try {
    return isStatic(path);
  } catch {
    return false;
  }
}

// The fixtures' scripts and init (start.sh, my_init): in the images' /bin and /sbin.
function fixturePrograms(): string[] {
  return ['bin', 'sbin'].flatMap((d) => (existsSync(join(FIXTURES, d)) ? readdirSync(join(FIXTURES, d)) : []));
}
