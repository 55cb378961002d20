// `shmlab fleet image --out FILE`: shmlab itself as an OCI archive, built from this machine's files (nothing pulled),
// for a user to load into an engine or push to a registry, and run on every node (`shmlab fleet manifests`).
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { checkToolchain } from '../build/program-compiler.js';
import type { Output } from '../cli/output.js';
import { ensureWritableDir } from '../cli/report-dir.js';
import { interruption } from '../engine/interruption.js';
import { UsageError } from '../errors.js';
import { processLease } from '../lab/process-lease.js';
import { HARNESS_VERSION } from '../paths.js';
import { IMAGE_CACHE, IMAGE_NODE, IMAGE_ROOT, layOutFleetImage } from './image-contents.js';
import { writeFleetImage } from './oci-image.js';

interface ImageOptions {
  out: string;
}

/** The repository part of the image's reference; its tag is the start of the manifest's digest. */
const FLEET_REPOSITORY = 'localhost/shmlab/fleet';

/** The image's environment: shmlab's compiled programs in its cache, containerd's ctr for CRI imports. */
const FLEET_ENV = ['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/root', `SHMLAB_CACHE_DIR=${IMAGE_CACHE}`, 'SHMLAB_CTR=/usr/bin/ctr'];

const MiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export async function imageCommand(options: ImageOptions, io: Output, signal: AbortSignal): Promise<number> {
  // The image carries this machine's Node.js and programs, and says amd64: it is built on x86-64 Linux only.
  if (process.arch !== 'x64' || process.platform !== 'linux')
    throw new UsageError(`The fleet image is built on x86-64 Linux (it carries this machine's programs), not on ${process.platform}/${process.arch}.`);
  const out = resolve(options.out);
  ensureWritableDir(dirname(out), '--out');
  await checkToolchain();
  const say = (line: string) => io.out(`shmlab: ${line}`);
  const lease = await processLease();
  // Named after the lease: a build killed midway leaves a folder `shmlab clean` knows.
  const work = mkdtempSync(join(tmpdir(), `shmlab-fleet-${lease.id}-`));
  const partial = `${out}.partial-${lease.id}`;
  try {
    say('assembling the image: Node.js, shmlab and its production dependencies, its programs, busybox, host tools');
    const rootfs = join(work, 'rootfs');
    await layOutFleetImage(rootfs, say, lease);
    say('writing the OCI archive (one gzip layer)...');
    const image = await writeFleetImage(
      {
        rootfs,
        entrypoint: [IMAGE_NODE, join(IMAGE_ROOT, 'dist/src/cli.js')],
        cmd: ['fleet', 'pod'],
        env: FLEET_ENV,
        labels: { 'org.opencontainers.image.title': 'shmlab', 'org.opencontainers.image.version': HARNESS_VERSION },
        repository: FLEET_REPOSITORY,
      },
      partial,
      work,
    );
    if (signal.aborted) throw interruption(signal, 'while writing the fleet image');
    renameSync(partial, out);
    say(`${out}: ${MiB(image.archiveBytes)} (${MiB(image.layerBytes)} unpacked), image ID ${image.id}`);
    io.out(image.reference);
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(partial, { force: true });
  }
}
