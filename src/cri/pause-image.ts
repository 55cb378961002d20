// The pods' sandbox ("pause") image is shmlab's own: the static `idle` program, so nothing has to be pulled.

import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { hashFiles } from '../build/content-hash.js';
import { C_SRC, CACHE } from '../paths.js';
import { type ImportedImage, type ImportTarget, importImage } from './oci-archive.js';

/** The name the daemons' configs give as sandbox image; re-imported under the same name when `idle` changes. */
export const SANDBOX_IMAGE = 'localhost/shmlab/pause:1';

const PAUSE_SOURCES = ['idle.c', 'common.c'];
const PAUSE_FLAGS = ['-static', '-O2', '-s'];

/** Where a pause program compiled ahead is taken from (the fleet image carries one: it has no compiler). */
export function precompiledPause(cache = CACHE): string {
  return join(
    cache,
    'pause',
    hashFiles(
      C_SRC,
      PAUSE_SOURCES.map((f) => join(C_SRC, f)),
      PAUSE_FLAGS,
    ).slice(0, 16),
    'pause',
  );
}

/** Compiles the pause program to `out`. */
export async function compilePause(out: string): Promise<void> {
  await execa('cc', [...PAUSE_FLAGS, '-o', out, ...PAUSE_SOURCES], { cwd: C_SRC });
}

export async function ensurePauseImage(target: ImportTarget): Promise<ImportedImage> {
  // Named after the lease, as every work folder: a run killed while it compiles or imports leaves it to `clean`.
  const context = mkdtempSync(join(tmpdir(), `shmlab-pause-${target.lease}-`));
  try {
    // idle waits for SIGTERM and exits at once: all a sandbox's process has to do. Static and stripped, so the
    // same sources give the same bytes and an unchanged pause image is not imported again.
    if (existsSync(precompiledPause())) copyFileSync(precompiledPause(), join(context, 'pause'));
    else await compilePause(join(context, 'pause'));
    return await importImage(target, { context, cmd: ['/pause'], labels: { 'org.shmlab.image': 'pause' }, name: SANDBOX_IMAGE, env: [] });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
