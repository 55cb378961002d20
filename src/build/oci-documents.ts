// The JSON documents of a one-layer OCI image layout (config, manifest, index), shared by the lab's CRI images and the
// fleet image. Keys in a fixed order and no time stamps: the same content gives the same digests.
import { createHash } from 'node:crypto';

export const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

interface Blob {
  digest: string;
  size: number;
}

interface ImageConfigInput {
  env: string[];
  cmd: string[];
  entrypoint?: string[];
  labels: Record<string, string>;
  /** The uncompressed layer's digest. */
  diffId: string;
  comment: string;
}

export function imageConfig(input: ImageConfigInput): Buffer {
  const labels = Object.fromEntries(Object.entries(input.labels).sort(([a], [b]) => a.localeCompare(b)));
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {
        Env: input.env,
        ...(input.entrypoint ? { Entrypoint: input.entrypoint } : {}),
        Cmd: input.cmd,
        WorkingDir: '/',
        Labels: labels,
      },
      rootfs: { type: 'layers', diff_ids: [input.diffId] },
      history: [{ created_by: 'shmlab: one layer, the build context', comment: input.comment }],
    }),
  );
}

export function imageManifest(config: Blob, layer: Blob & { mediaType: string }): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [layer],
    }),
  );
}

/** index.json, naming the image as containerd (io.containerd.image.name) and the OCI layout (ref.name: the tag) read it. */
export function imageIndex(manifest: Blob, name: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        ...manifest,
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.split(':').pop() },
      },
    ],
  });
}

// Deterministic tars: the same folder gives the same bytes, hence the same digests (an unchanged image is not imported again).
export const TAR_OPTIONS = ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--format=gnu'];

export const OCI_LAYOUT = JSON.stringify({ imageLayoutVersion: '1.0.0' });
