// Building the image variants on a Docker API engine from the build context (src/build), by content hash: an image
// whose tag exists is not built again, and superseded builds no live run claims are pruned.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { listFiles } from '../build/content-hash.js';
import { claimedImages, extraOf, imageSources, layOutContext, shortName, variantTag } from '../build/image-builder.js';
import { EngineFailedError } from '../errors.js';
import type { ProcessLease } from '../lab/process-lease.js';
import { IMAGE_LABEL } from '../labels.js';
import type { ImageVariant, UserProgram } from '../model/catalog.js';
import { FIXTURES } from '../paths.js';
import type { EngineDriver } from './docker-api.js';

interface BuiltImages {
  /** variant name -> tag (for people and reports) */
  tags: Record<string, string>;
  /** variant name -> image id (what containers are created from) */
  ids: Record<string, string>;
  built: string[];
}

export async function buildImages(
  driver: EngineDriver,
  variants: string[],
  say: (line: string) => void,
  lease: ProcessLease,
  images: Readonly<Record<string, ImageVariant>>,
  user: readonly UserProgram[] = [],
): Promise<BuiltImages> {
  const dockerode = driver.dockerode;
  const sources = await imageSources(say, lease, { signal: driver.signal, user, adds: variants.map((v) => images[v]?.adds) });
  const tags: Record<string, string> = {};
  for (const variant of variants) tags[variant] = variantTag(variant, sources, images);
  // Claimed before they exist: a concurrent clean or prune must not remove them between build and use.
  lease.claimImages(Object.values(tags));
  const ids: Record<string, string> = {};
  const missing: string[] = [];
  for (const variant of variants) {
    const id = await driver.call('inspect an image', () => imageId(dockerode, tags[variant]!));
    if (id) ids[variant] = id;
    else missing.push(variant);
  }
  const dockerfile = readFileSync(join(FIXTURES, 'Dockerfile'), 'utf8');
  for (const variant of missing) {
    // Its own context: what one variant adds (PostgreSQL) is not sent with the others.
    const extra = extraOf(variant, sources, images);
    const context = layOutContext(sources, lease, extra);
    try {
      say(`building image ${tags[variant]}...`);
      const file = `Dockerfile.${variant}`;
      const copies = (extra?.folders ?? []).map((f) => `COPY ${f}/ /${f}/\n`).join('');
      writeFileSync(join(context, file), `${dockerfile}${copies}LABEL ${IMAGE_LABEL}="${variant}"\nCMD ${JSON.stringify(images[variant]!.cmd)}\n`);
      // Not waited for after a signal: an image is cached, never a run's to clean up.
      await driver.call(`build ${tags[variant]}`, () => buildImage(dockerode, context, tags[variant]!, file), driver.deadlineMs * 3);
      const id = await driver.call('inspect an image', () => imageId(dockerode, tags[variant]!));
      // Another process removed it meanwhile (a prune, a clean of another shmlab): the engine's state, not shmlab's bug.
      if (!id) throw new EngineFailedError(`the engine built ${tags[variant]} but does not have it any more (removed meanwhile?)`);
      ids[variant] = id;
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  }
  lease.claimImages(Object.values(ids));
  if (missing.length) await pruneSuperseded(driver, [...Object.values(tags), ...Object.values(ids)]);
  return { tags, ids, built: missing };
}

export function isClaimed(image: Dockerode.ImageInfo, claimed: Set<string>): boolean {
  return claimed.has(image.Id) || (image.RepoTags ?? []).some((t) => claimed.has(shortName(t)));
}

// Earlier builds of the variants are cached images no run will use again, unless a live process claims them (a
// concurrent run from a checkout whose fixtures differ); one still in use by a container stays too (the engine refuses).
async function pruneSuperseded(driver: EngineDriver, current: string[]): Promise<void> {
  const claimed = claimedImages();
  for (const c of current) claimed.add(c);
  const images = await driver.call('list images', () => driver.dockerode.listImages({ filters: JSON.stringify({ label: [IMAGE_LABEL] }) }));
  const old = images.filter((i) => !isClaimed(i, claimed));
  await Promise.all(old.map((i) => driver.call('remove an image', () => driver.dockerode.getImage(i.Id).remove()).catch(() => undefined)));
}

async function imageId(dockerode: Dockerode, tag: string): Promise<string | undefined> {
  try {
    return (await dockerode.getImage(tag).inspect()).Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/**
 * Builds one image. The build stream reports failures as {error} lines rather than an HTTP error: read them all; one is
 * the engine's failure (an image removed while others are built: "failed to get digest"), told in its words.
 */
async function buildImage(dockerode: Dockerode, context: string, tag: string, dockerfile: string): Promise<void> {
  const stream = await dockerode.buildImage(
    { context, src: listFiles(context).map((f) => f.slice(context.length + 1)) },
    {
      t: tag,
      dockerfile,
      rm: true,
      forcerm: true,
      pull: false,
    },
  );
  const events: { error?: string; stream?: string }[] = await new Promise((resolve, reject) =>
    dockerode.modem.followProgress(stream, (err: Error | null, out: unknown[]) =>
      err ? reject(new EngineFailedError(`building ${tag} failed: ${err.message}`)) : resolve(out as never),
    ),
  );
  const failure = events.find((e) => e.error);
  if (failure) throw new EngineFailedError(`building ${tag} failed: ${failure.error}`);
}
