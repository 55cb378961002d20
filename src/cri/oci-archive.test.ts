// An image import works in folders named after the importing process's lease (the OCI archive's, the pause image's),
// so that a run killed mid-import leaves folders `clean` can tell apart from a live run's; they are gone afterwards.
import { readdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test/temp-dirs.js';
import type { CriClient } from './cri-client.js';
import { importImage } from './oci-archive.js';
import { ensurePauseImage } from './pause-image.js';

afterAll(removeTempDirs);

describe('image imports', () => {
  it("work in folders that carry the lease's id, removed afterwards", async () => {
    const tmp = tempDir('shmlab-import-');
    const context = tempDir('shmlab-import-context-');
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    const seen: string[] = [];
    // A runtime that lacks the image until `ctr` (here `true`) has imported it: what is in the temporary folder meanwhile is seen.
    const client = {
      imageStatus: async (image: string) => {
        seen.push(...readdirSync(tmp));
        return image.startsWith('sha256:') ? { id: image } : null;
      },
    } as unknown as CriClient;
    const target = { client, ctr: 'true', socket: '/nonexistent.sock', lease: 'lease123' };
    writeFileSync(`${context}/file`, 'x');
    try {
      await importImage(target, { context, cmd: ['/file'], labels: {}, name: 'localhost/shmlab/test:1' });
      await ensurePauseImage(target);
    } finally {
      process.env.TMPDIR = previous;
    }
    expect([...new Set(seen.map((f) => f.replace(/-[^-]+$/, '-…')))].sort()).toEqual(['shmlab-oci-lease123-…', 'shmlab-pause-lease123-…']);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
