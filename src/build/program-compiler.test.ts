// Compiled programs go into the cache through a folder this process makes new, under a name nobody can guess: a link
// planted where an earlier shmlab built (`<hash>.tmp-<lease>`) is never written through. No engine.
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test/temp-dirs.js';
import type { ProcessLease } from '../lab/process-lease.js';
import type { compileUserPrograms } from './program-compiler.js';

type Compile = typeof compileUserPrograms;

afterAll(removeTempDirs);

describe('compiling into the cache', () => {
  it('writes through no link planted at the old work folder name, and leaves it as it was', async () => {
    const cache = tempDir('shmlab-cache-');
    const runtime = tempDir('shmlab-runtime-');
    // The cache folder is read when the modules load: set first, then imported.
    process.env.SHMLAB_CACHE_DIR = cache;
    process.env.SHMLAB_RUNTIME_DIR = runtime;
    const { compileUserPrograms } = await import('./program-compiler.js');
    const { ProcessLease } = await import('../lab/process-lease.js');
    const lease = new ProcessLease(runtime);
    await lease.acquire();
    try {
      const src = tempDir('shmlab-c-src-');
      writeFileSync(join(src, 'hello.c'), 'int main(void) { return 0; }\n');
      // Once to learn where the programs go, then again from nothing with the link in place.
      const first = await compileUserPrograms(src, () => {}, lease);
      rmSync(first.dir, { recursive: true, force: true });
      const victim = tempDir('shmlab-victim-');
      const old = `${first.dir}.tmp-${lease.id}`;
      symlinkSync(victim, old);
      const again = await compileUserPrograms(src, () => {}, lease);
      expect(again).toMatchObject({ dir: first.dir, names: ['hello'], compiled: true });
      expect(readdirSync(victim)).toEqual([]);
      expect(readlinkSync(old)).toBe(victim);
      expect(lstatSync(first.dir).isDirectory()).toBe(true);
      expect(readdirSync(first.dir).sort()).toEqual(['.complete', 'hello']);
      // Nothing else of the compile is left in the cache: the link stays (it is not ours), the work folder went.
      expect(readdirSync(join(cache, 'programs')).sort()).toEqual([basename(first.dir), basename(old)].sort());
    } finally {
      lease.release();
    }
  });

  it('names its work folder <hash>.<random>.tmp-<lease>, which clean tells by its lease, and makes it for this user only', async () => {
    const cache = process.env.SHMLAB_CACHE_DIR!;
    await withLease(async (compileUserPrograms, lease) => {
      const src = tempDir('shmlab-c-src-');
      writeFileSync(join(src, 'seen.c'), 'int main(void) { return 0; }\n');
      let work: { name: string; mode: number } | undefined;
      // Seen while the compiler runs: the one folder beside the programs' that is not theirs.
      const watch = setInterval(() => {
        const name = readdirSync(join(cache, 'programs')).find((f) => f.endsWith(`.tmp-${lease.id}`));
        if (name && existsSync(join(cache, 'programs', name))) work ??= { name, mode: lstatSync(join(cache, 'programs', name)).mode & 0o777 };
      }, 1);
      const compiled = await compileUserPrograms(src, () => {}, lease).finally(() => clearInterval(watch));
      expect(work?.name).toMatch(new RegExp(`^${basename(compiled.dir)}\\.[0-9a-f]{16}\\.tmp-${lease.id}$`));
      expect(work?.mode).toBe(0o700);
      expect(lstatSync(compiled.dir).mode & 0o777).toBe(0o755);
    });
  });

  it('puts its set in place over a half set in the way, and never over a whole one another process put there meanwhile', async () => {
    const cache = process.env.SHMLAB_CACHE_DIR!;
    await withLease(async (compileUserPrograms, lease) => {
      for (const [what, planted] of [
        ['half', ['hello']],
        ['whole', ['.complete', 'hello', 'theirs']],
      ] as const) {
        const src = tempDir('shmlab-c-src-');
        writeFileSync(join(src, 'hello.c'), `int main(void) { return 0; } /* ${what} */\n`);
        let plantedAt: string | undefined;
        // While the compiler runs (its work folder is there), what another process left, or just put, in its place.
        const watch = setInterval(() => {
          const work = readdirSync(join(cache, 'programs')).find((f) => f.endsWith(`.tmp-${lease.id}`));
          if (!work || plantedAt) return;
          plantedAt = join(cache, 'programs', work.split('.')[0]!);
          mkdirSync(plantedAt);
          for (const f of planted) writeFileSync(join(plantedAt, f), 'planted');
        }, 1);
        const compiled = await compileUserPrograms(src, () => {}, lease).finally(() => clearInterval(watch));
        expect(compiled.dir).toBe(plantedAt);
        expect(readdirSync(compiled.dir).sort()).toEqual(what === 'half' ? ['.complete', 'hello'] : ['.complete', 'hello', 'theirs']);
        expect(readdirSync(join(cache, 'programs')).filter((f) => f.endsWith(`.tmp-${lease.id}`))).toEqual([]);
      }
    });
  });

  it('a cache that fills up while compiling: one sentence (exit 2), and nothing of the compile left', async () => {
    const { compileUserPrograms } = await import('./program-compiler.js');
    const { CACHE } = await import('../paths.js');
    const { SetupError } = await import('../errors.js');
    const { ProcessLease } = await import('../lab/process-lease.js');
    const lease = new ProcessLease(process.env.SHMLAB_RUNTIME_DIR);
    await lease.acquire();
    const programs = join(CACHE, 'programs');
    // 1 MiB of room for a program of 4 MiB: the linker meets a full disk.
    rmSync(programs, { recursive: true, force: true });
    mkdirSync(programs);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'shmlab-test', programs]);
    try {
      const src = tempDir('shmlab-c-src-');
      writeFileSync(join(src, 'big.c'), 'volatile char big[4 << 20] = {1};\nint main(void) { return big[0] - 1; }\n');
      const err = await compileUserPrograms(src, () => {}, lease).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SetupError);
      expect((err as Error).message).toBe(
        `The cache folder ${CACHE} cannot take the compiled programs (No space left on device): set SHMLAB_CACHE_DIR to a writable folder with room, then try again.`,
      );
      expect(readdirSync(programs)).toEqual([]);
    } finally {
      await execa('umount', [programs]);
      lease.release();
    }
  });
});

/** The compiler, with a lease of the test's runtime folder (set by the first test) held while `use` runs. */
async function withLease(use: (compile: Compile, lease: ProcessLease) => Promise<void>): Promise<void> {
  const { compileUserPrograms } = await import('./program-compiler.js');
  const { ProcessLease } = await import('../lab/process-lease.js');
  const lease = new ProcessLease(process.env.SHMLAB_RUNTIME_DIR);
  await lease.acquire();
  try {
    await use(compileUserPrograms, lease);
  } finally {
    lease.release();
  }
}
