// A compile or build killed half-way leaves its work folder; the next clean removes it when its process is proven
// dead, and never the folder of a live one.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test/temp-dirs.js';

afterAll(removeTempDirs);

describe('unfinished build folders', () => {
  it('of a dead lease are removed, of a live one kept', async () => {
    const runtime = tempDir('shmlab-runtime-');
    const cache = tempDir('shmlab-cache-');
    const tmp = tempDir('shmlab-tmp-');
    process.env.SHMLAB_RUNTIME_DIR = runtime;
    process.env.SHMLAB_CACHE_DIR = cache;
    process.env.TMPDIR = tmp;
    const { ProcessLease } = await import('./process-lease.js');
    const { removeStaleWorkFolders } = await import('./stale-resources.js');
    const live = new ProcessLease(runtime);
    await live.acquire();
    writeFileSync(join(runtime, 'deadlease1.lease'), '1\n'); // a lease file nobody holds: its process died
    for (const lease of [live.id, 'deadlease1']) {
      mkdirSync(join(cache, 'programs', `0123456789abcdef.tmp-${lease}`), { recursive: true });
      mkdirSync(join(tmp, `shmlab-context-${lease}-Xy12`));
    }
    expect(removeStaleWorkFolders()).toBe(2);
    expect(existsSync(join(cache, 'programs', '0123456789abcdef.tmp-deadlease1'))).toBe(false);
    expect(existsSync(join(tmp, 'shmlab-context-deadlease1-Xy12'))).toBe(false);
    expect(existsSync(join(cache, 'programs', `0123456789abcdef.tmp-${live.id}`))).toBe(true);
    expect(existsSync(join(tmp, `shmlab-context-${live.id}-Xy12`))).toBe(true);
    live.release();
  });
});
