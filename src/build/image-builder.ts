// Builds the images FROM scratch with COPY only, tagged by content hash: an unchanged context is never rebuilt.
// Containers are created from the image ids this returns, never from a name an engine could pull.

import { accessSync, chmodSync, constants, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Dockerode from 'dockerode';
import type { EngineDriver } from '../docker/docker-api.js';
import { processSignal } from '../engine/interruption.js';
import { EngineFailedError, SetupError } from '../errors.js';
import { liveClaims, type ProcessLease } from '../lab/process-lease.js';
import { IMAGE_LABEL } from '../labels.js';
import type { ImageVariant } from '../model/catalog.js';
import { FIXTURES } from '../paths.js';
import { APPLETS, ensureBusybox } from './busybox.js';
import { hashFiles, listFiles } from './content-hash.js';
import { compilePrograms } from './program-compiler.js';

export { IMAGE_LABEL } from '../labels.js';

export interface BuiltImages {
  /** variant name -> tag (for people and reports) */
  tags: Record<string, string>;
  /** variant name -> image id (what containers are created from) */
  ids: Record<string, string>;
  built: string[];
}

/** What every image is made of: the compiled programs, busybox and the fixtures, and the hash of it all. */
export interface ImageSources {
  programs: Awaited<ReturnType<typeof compilePrograms>>;
  busybox: string;
  /** Programs of user experiments (`--experiments DIR`), put in /bin beside shmlab's own. */
  user: UserProgram[];
  /** The hash of the whole build context: a variant's tag is this and its CMD. */
  base: string;
}

/** A program of the user's, by the name it has in the image's /bin and the file that holds it. */
export interface UserProgram {
  name: string;
  path: string;
}

let userPrograms: UserProgram[] = [];

/**
 * The user's programs (`run --experiments DIR`: its bin/ and its compiled c-src/) go into every image this process
 * builds from now on, and into the hash that names it. Their names were checked not to clash with shmlab's own.
 */
export function useUserPrograms(programs: readonly UserProgram[]): void {
  userPrograms = [...programs].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Compiles the programs (once per content) and finds busybox. `signal` ends the waits (the command line's, unless
 * given); `busybox`: a static program to use instead of the system's (for tests that need no busybox-static).
 */
export async function imageSources(
  say: (line: string) => void,
  lease: ProcessLease,
  options: { signal?: AbortSignal; busybox?: string } = {},
): Promise<ImageSources> {
  const signal = options.signal ?? processSignal();
  const programs = await compilePrograms(say, lease, signal);
  const busybox = options.busybox ?? (await ensureBusybox(say, signal));
  const user = userPrograms;
  // Each user program by its name in the image, its mode and its bytes: another binary, or another name, another image.
  const userHash = user.map((p) => `${p.name}=${hashFiles(dirname(p.path), [p.path])}`);
  const base = hashFiles(FIXTURES, listFiles(FIXTURES), [programs.hash, hashFiles('/', [busybox]), APPLETS.join(' '), ...userHash]);
  return { programs, busybox, user, base };
}

/** The tag of a variant: its name and the hash of its context and CMD. */
export function variantTag(variant: string, sources: ImageSources, images: Readonly<Record<string, ImageVariant>>): string {
  const spec = images[variant];
  if (!spec) throw new Error(`unknown image variant ${variant}`);
  return `shmlab/${variant}:${hashFiles('/', [], [sources.base, JSON.stringify(spec.cmd)]).slice(0, 12)}`;
}

/** Lays out the build context (fixtures, programs in bin/, busybox and its applets) in a folder of this lease's; remove it after. */
export function layOutContext(sources: ImageSources, lease: ProcessLease): string {
  const context = makeContextDir(lease);
  try {
    cpSync(FIXTURES, context, { recursive: true });
    const bin = join(context, 'bin');
    mkdirSync(bin, { recursive: true });
    for (const name of sources.programs.names) copyFileSync(join(sources.programs.dir, name), join(bin, name));
    copyFileSync(sources.busybox, join(bin, 'busybox'));
    for (const applet of APPLETS) symlinkSync('busybox', join(bin, applet));
    for (const program of sources.user) {
      copyFileSync(program.path, join(bin, program.name));
      chmodSync(join(bin, program.name), 0o755);
    }
    return context;
  } catch (err) {
    rmSync(context, { recursive: true, force: true });
    // A temporary folder that fills up (or turns read-only) under the copy: the machine's, one sentence.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EROFS' || code === 'EDQUOT') throw tempDirError(tmpdir(), err);
    throw err;
  }
}

export async function buildImages(
  driver: EngineDriver,
  variants: string[],
  say: (line: string) => void,
  lease: ProcessLease,
  images: Readonly<Record<string, ImageVariant>>,
): Promise<BuiltImages> {
  const dockerode = driver.dockerode;
  const sources = await imageSources(say, lease, { signal: driver.signal });
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
  if (missing.length) {
    const context = layOutContext(sources, lease);
    try {
      const dockerfile = readFileSync(join(FIXTURES, 'Dockerfile'), 'utf8');
      for (const variant of missing) {
        say(`building image ${tags[variant]}...`);
        const file = `Dockerfile.${variant}`;
        writeFileSync(join(context, file), `${dockerfile}LABEL ${IMAGE_LABEL}="${variant}"\nCMD ${JSON.stringify(images[variant]!.cmd)}\n`);
        // Not waited for after a signal: an image is cached, never a run's to clean up.
        await driver.call(`build ${tags[variant]}`, () => buildImage(dockerode, context, tags[variant]!, file), driver.deadlineMs * 3);
        const id = await driver.call('inspect an image', () => imageId(dockerode, tags[variant]!));
        // Another process removed it meanwhile (a prune, a clean of another shmlab): the engine's state, not shmlab's bug.
        if (!id) throw new EngineFailedError(`the engine built ${tags[variant]} but does not have it any more (removed meanwhile?)`);
        ids[variant] = id;
      }
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  }
  lease.claimImages(Object.values(ids));
  if (missing.length) await pruneSuperseded(driver, [...Object.values(tags), ...Object.values(ids)]);
  return { tags, ids, built: missing };
}

// The build context, named after this process's lease so that `clean` can tell a dead process's folder from a live one's.
function makeContextDir(lease: ProcessLease): string {
  const dir = tmpdir();
  try {
    accessSync(dir, constants.W_OK);
    return mkdtempSync(join(dir, `shmlab-context-${lease.id}-`));
  } catch (err) {
    throw tempDirError(dir, err);
  }
}

function tempDirError(dir: string, err: unknown): SetupError {
  return new SetupError(
    `The temporary folder ${dir} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): set TMPDIR to a writable folder.`,
  );
}

/** Images any live shmlab process of this host uses, by tag or id: never removed under it. */
export function claimedImages(exceptLease?: string): Set<string> {
  return new Set(
    liveClaims()
      .filter((c) => c.lease !== exceptLease)
      .flatMap((c) => c.images),
  );
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

/** A tag without the registry an engine may put in front of it (Podman: localhost/, docker.io/). */
export function shortName(tag: string): string {
  return tag.replace(/^(localhost|docker\.io)\//, '').replace(/^library\//, '');
}
