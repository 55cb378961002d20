// A compile or build killed half-way leaves its work folder; the next clean removes it when its process is proven
// dead, and never the folder of a live one.
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
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
    // Compiles, image builds, and a CRI runtime's image imports (the OCI archive, the pause image).
    const kinds = (lease: string) => [
      join(cache, 'programs', `0123456789abcdef.tmp-${lease}`),
      join(tmp, `shmlab-context-${lease}-Xy12`),
      join(tmp, `shmlab-oci-${lease}-Ab34`),
      join(tmp, `shmlab-pause-${lease}-Cd56`),
    ];
    for (const lease of [live.id, 'deadlease1']) for (const folder of kinds(lease)) mkdirSync(folder, { recursive: true });
    // Of no lease this host knows (another host's, an older shmlab's): removed only once older than any run lasts.
    const old = join(tmp, 'shmlab-oci-Ef78Gh');
    const young = join(tmp, 'shmlab-pause-Ij90Kl');
    mkdirSync(old);
    mkdirSync(young);
    utimesSync(old, new Date(Date.now() - 3 * 3600_000), new Date(Date.now() - 3 * 3600_000));
    expect(removeStaleWorkFolders()).toBe(5);
    expect(kinds('deadlease1').filter(existsSync)).toEqual([]);
    expect(kinds(live.id).filter(existsSync)).toEqual(kinds(live.id));
    expect([existsSync(old), existsSync(young)]).toEqual([false, true]);
    live.release();
  });
});
