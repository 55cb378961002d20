// Builds the images FROM scratch with COPY only, tagged by content hash: an unchanged context is never rebuilt.
// Containers are created from the image ids this returns, never from a name an engine could pull.

import { accessSync, chmodSync, constants, copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { processSignal } from '../engine/interruption.js';
import { SetupError } from '../errors.js';
import { liveClaims, type ProcessLease } from '../lab/process-lease.js';
import type { ImageVariant, UserProgram } from '../model/catalog.js';
import { FIXTURES } from '../paths.js';
import { APPLETS, ensureBusybox } from './busybox.js';
import { hashFiles, listFiles } from './content-hash.js';
import { type ExtraFiles, layOutExtra, postgresqlFiles } from './postgresql-files.js';
import { compilePrograms } from './program-compiler.js';

/** What every image is made of: the compiled programs, busybox and the fixtures, and the hash of it all. */
interface ImageSources {
  programs: Awaited<ReturnType<typeof compilePrograms>>;
  busybox: string;
  /** Programs of user experiments (`--experiments DIR`), put in /bin beside shmlab's own. */
  user: UserProgram[];
  /** The hash of the whole build context: a variant's tag is this and its CMD. */
  base: string;
  /** What a variant adds (its `adds`), found only where a variant of the run asks for it. */
  extras: Partial<Record<NonNullable<ImageVariant['adds']>, ExtraFiles>>;
}

export type { UserProgram } from '../model/catalog.js';

/**
 * Compiles the programs (once per content) and finds busybox. `signal` ends the waits (the command line's, unless
 * given); `busybox`: a static program to use instead of the system's (for tests that need no busybox-static);
 * `user`: the user's programs (`run --experiments DIR`: its bin/ and its compiled c-src/, their names checked not to
 * clash with shmlab's own), which go into every image and into the hash that names it.
 */
export async function imageSources(
  say: (line: string) => void,
  lease: ProcessLease,
  options: { signal?: AbortSignal; busybox?: string; user?: readonly UserProgram[]; adds?: readonly ImageVariant['adds'][] } = {},
): Promise<ImageSources> {
  const signal = options.signal ?? processSignal();
  const programs = await compilePrograms(say, lease, signal);
  const busybox = options.busybox ?? (await ensureBusybox(say, signal));
  const user = [...(options.user ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  // Each user program by its name in the image, its mode and its bytes: another binary, or another name, another image.
  const userHash = user.map((p) => `${p.name}=${hashFiles(dirname(p.path), [p.path])}`);
  const base = hashFiles(FIXTURES, listFiles(FIXTURES), [programs.hash, hashFiles('/', [busybox]), APPLETS.join(' '), ...userHash]);
  const extras: ImageSources['extras'] = {};
  if (options.adds?.includes('postgresql')) extras.postgresql = await postgresqlFiles(say);
  return { programs, busybox, user, base, extras };
}

/** What `variant` adds to the lab's files, if anything. */
export function extraOf(variant: string, sources: ImageSources, images: Readonly<Record<string, ImageVariant>>): ExtraFiles | undefined {
  const adds = images[variant]?.adds;
  if (!adds) return undefined;
  const extra = sources.extras[adds];
  if (!extra) throw new Error(`image variant ${variant} adds ${adds}, which was not prepared`);
  return extra;
}

/** The tag of a variant: its name and the hash of its context and CMD. */
export function variantTag(variant: string, sources: ImageSources, images: Readonly<Record<string, ImageVariant>>): string {
  const spec = images[variant];
  if (!spec) throw new Error(`unknown image variant ${variant}`);
  const extra = extraOf(variant, sources, images);
  return `shmlab/${variant}:${hashFiles('/', [], [sources.base, JSON.stringify(spec.cmd), ...(extra ? [extra.hash] : [])]).slice(0, 12)}`;
}

/**
 * Lays out the build context (fixtures, programs in bin/, busybox and its applets, and what a variant adds) in a
 * folder of this lease's; remove it after.
 */
export function layOutContext(sources: ImageSources, lease: ProcessLease, extra?: ExtraFiles): string {
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
    if (extra) layOutExtra(extra, context);
    return context;
  } catch (err) {
    rmSync(context, { recursive: true, force: true });
    // A temporary folder that fills up (or turns read-only) under the copy: the machine's, one sentence.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EROFS' || code === 'EDQUOT') throw tempDirError(tmpdir(), err);
    throw err;
  }
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

/** A tag without the registry an engine may put in front of it (Podman: localhost/, docker.io/). */
export function shortName(tag: string): string {
  return tag.replace(/^(localhost|docker\.io)\//, '').replace(/^library\//, '');
}
