// Images for CRI without a registry: a folder becomes a one-layer OCI archive, imported with ctr; the image is named by ID.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { imageConfig, imageIndex, imageManifest, OCI_LAYOUT, sha256, TAR_OPTIONS } from '../build/oci-documents.js';
import { processSignal } from '../engine/interruption.js';
import type { CriClient } from './cri-client.js';

interface OciImageInput {
  /** A prepared folder: its content is the image's root filesystem. */
  context: string;
  cmd: string[];
  labels: Record<string, string>;
  /** The name containerd records (annotation io.containerd.image.name), e.g. localhost/shmlab/lab:<hash>; never pulled. */
  name: string;
  /** FROM-scratch images have no PATH; busybox's sh and the scripts need one. */
  env?: string[];
}

interface OciArchive {
  file: string;
  /** The config's digest: what CRI calls the image's ID. */
  id: string;
  manifestDigest: string;
}

/** Writes `<outDir>/image.tar`, an OCI image layout (oci-layout, index.json, blobs/sha256/…) with one uncompressed layer. */
async function writeOciArchive(input: OciImageInput, outDir: string): Promise<OciArchive> {
  const layout = join(outDir, 'layout');
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const putBlob = (data: Buffer) => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest.slice('sha256:'.length)), data);
    return { digest, size: data.length };
  };
  // The folder's entries, not ".": the tar then has no entry for / (whose mode would be the temp folder's 0700).
  const entries = readdirSync(input.context).sort();
  if (entries.length === 0) throw new Error(`the image context ${input.context} is empty`);
  const layerFile = join(outDir, 'layer.tar');
  await execa('tar', [...TAR_OPTIONS, '-C', input.context, '-cf', layerFile, ...entries]);
  const layer = putBlob(readFileSync(layerFile));
  rmSync(layerFile);
  const config = putBlob(
    imageConfig({ env: input.env ?? ['PATH=/bin:/sbin'], cmd: input.cmd, labels: input.labels, diffId: layer.digest, comment: input.name }),
  );
  const manifest = putBlob(imageManifest(config, { mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }));
  writeFileSync(join(layout, 'oci-layout'), OCI_LAYOUT);
  writeFileSync(join(layout, 'index.json'), imageIndex(manifest, input.name));
  const file = join(outDir, 'image.tar');
  await execa('tar', [...TAR_OPTIONS, '-C', layout, '-cf', file, 'blobs', 'index.json', 'oci-layout']);
  rmSync(layout, { recursive: true, force: true });
  return { file, id: config.digest, manifestDigest: manifest.digest };
}

export interface ImportTarget {
  client: CriClient;
  /** The ctr of the same containerd version. */
  ctr: string;
  /** The daemon's socket path (not the unix:// address). */
  socket: string;
  /** The importing process's lease id: its work folders carry it, so that a killed import's are found and removed. */
  lease: string;
}

export interface ImportedImage {
  /** sha256:… — what containers are created from. */
  id: string;
  name: string;
  /** False when the runtime already had this very image. */
  imported: boolean;
  durationMs: number;
}

/** Makes the runtime hold the image of `input` and returns its ID; imports only when the runtime lacks that exact image. */
export async function importImage(target: ImportTarget, input: OciImageInput): Promise<ImportedImage> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), `shmlab-oci-${target.lease}-`));
  try {
    const archive = await writeOciArchive(input, work);
    const present = await target.client.imageStatus(input.name);
    if (present?.id === archive.id) return { id: archive.id, name: input.name, imported: false, durationMs: Date.now() - started };
    // CRI has no import call; containerd's own client writes into the namespace CRI reads (k8s.io).
    await execa(target.ctr, ['-a', target.socket, '-n', 'k8s.io', 'images', 'import', archive.file], { cancelSignal: processSignal() });
    await waitForImage(target.client, archive.id);
    return { id: archive.id, name: input.name, imported: true, durationMs: Date.now() - started };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The CRI plugin learns of an import from containerd's events: wait until ImageStatus finds the ID. */
async function waitForImage(client: CriClient, id: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await client.imageStatus(id))?.id === id) return;
    if (Date.now() > deadline) throw new Error(`the runtime does not list image ${id} after importing it`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
