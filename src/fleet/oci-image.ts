// The fleet image as one file a user can load or push: an OCI image layout (index.json, blobs) that also carries
// Docker's manifest.json, so that `docker load` of Docker 20.10 (which reads only manifest.json) takes it as well as
// containerd's `ctr images import` and registry tools (skopeo, crane, oras) do. One gzip layer; deterministic bytes.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { execa } from 'execa';
import { imageConfig, imageIndex, imageManifest, OCI_LAYOUT, sha256, TAR_OPTIONS } from '../build/oci-documents.js';

interface FleetImageInput {
  rootfs: string;
  entrypoint: string[];
  cmd: string[];
  env: string[];
  labels: Record<string, string>;
  /** The repository part of the reference; the tag is the content's hash. */
  repository: string;
}

interface FleetImage {
  file: string;
  /** repository:tag, the tag being the start of the manifest's digest (content-hashed). */
  reference: string;
  /** The config's digest: the image ID engines show. */
  id: string;
  manifestDigest: string;
  /** Bytes: the archive, and the layer uncompressed. */
  archiveBytes: number;
  layerBytes: number;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest('hex')}`;
}

export async function writeFleetImage(input: FleetImageInput, out: string, work: string): Promise<FleetImage> {
  const layout = join(work, 'layout');
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const tarFile = join(work, 'layer.tar');
  await execa('tar', [...TAR_OPTIONS, '-C', input.rootfs, '-cf', tarFile, ...readdirSync(input.rootfs).sort()]);
  const diffId = await hashFile(tarFile);
  const layerBytes = statSync(tarFile).size;
  const gzFile = join(work, 'layer.tar.gz');
  // No name or time in the gzip header: Node's gzip writes neither.
  await pipeline(createReadStream(tarFile), createGzip({ level: 6 }), createWriteStream(gzFile));
  rmSync(tarFile);
  const layerDigest = await hashFile(gzFile);
  renameSync(gzFile, join(blobs, layerDigest.slice(7)));
  const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: statSync(join(blobs, layerDigest.slice(7))).size };
  const putBlob = (data: Buffer) => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const config = putBlob(
    imageConfig({ env: input.env, entrypoint: input.entrypoint, cmd: input.cmd, labels: input.labels, diffId, comment: input.repository }),
  );
  const manifest = putBlob(imageManifest(config, layer));
  const reference = `${input.repository}:${manifest.digest.slice(7, 19)}`;
  writeFileSync(join(layout, 'oci-layout'), OCI_LAYOUT);
  writeFileSync(join(layout, 'index.json'), imageIndex(manifest, reference));
  writeFileSync(
    join(layout, 'manifest.json'),
    JSON.stringify([{ Config: `blobs/sha256/${config.digest.slice(7)}`, RepoTags: [reference], Layers: [`blobs/sha256/${layerDigest.slice(7)}`] }]),
  );
  await execa('tar', [...TAR_OPTIONS, '-C', layout, '-cf', out, 'blobs', 'index.json', 'manifest.json', 'oci-layout']);
  rmSync(layout, { recursive: true, force: true });
  return { file: out, reference, id: config.digest, manifestDigest: manifest.digest, archiveBytes: statSync(out).size, layerBytes };
}
