// The pods' sandbox ("pause") image is shmlab's own: the static `idle` program, so nothing has to be pulled.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { C_SRC } from '../paths.js';
import { type ImportedImage, type ImportTarget, importImage } from './oci-archive.js';

/** The name the daemons' configs give as sandbox image; re-imported under the same name when `idle` changes. */
export const SANDBOX_IMAGE = 'localhost/shmlab/pause:1';

export async function ensurePauseImage(target: ImportTarget): Promise<ImportedImage> {
  // Named after the lease, as every work folder: a run killed while it compiles or imports leaves it to `clean`.
  const context = mkdtempSync(join(tmpdir(), `shmlab-pause-${target.lease}-`));
  try {
    // idle waits for SIGTERM and exits at once: all a sandbox's process has to do. Static and stripped, so the
    // same sources give the same bytes and an unchanged pause image is not imported again.
    await execa('cc', ['-static', '-O2', '-s', '-o', join(context, 'pause'), 'idle.c', 'common.c'], { cwd: C_SRC });
    return await importImage(target, { context, cmd: ['/pause'], labels: { 'org.shmlab.image': 'pause' }, name: SANDBOX_IMAGE, env: [] });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
