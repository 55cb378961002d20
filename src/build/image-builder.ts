// Builds the images FROM scratch with COPY only, tagged by content hash: an unchanged context is never rebuilt.
import type Dockerode from 'dockerode';
import { copyFileSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tmp from 'tmp';
import { IMAGES } from '../../experiments/images.js';
import { FIXTURES } from '../paths.js';
import { APPLETS, ensureBusybox } from './busybox.js';
import { hashFiles, listFiles } from './content-hash.js';
import { compilePrograms } from './program-compiler.js';

export const IMAGE_LABEL = 'org.shmlab.image';

export interface BuiltImages {
  /** variant name -> tag */
  tags: Record<string, string>;
  built: string[];
}

export async function buildImages(dockerode: Dockerode, variants: string[], say: (line: string) => void): Promise<BuiltImages> {
  const programs = await compilePrograms(say);
  const busybox = await ensureBusybox(say);
  const fixtures = listFiles(FIXTURES);
  const base = hashFiles(FIXTURES, fixtures, [programs.hash, hashFiles('/', [busybox])]);
  const tags: Record<string, string> = {};
  const missing: string[] = [];
  for (const variant of variants) {
    const spec = IMAGES[variant];
    if (!spec) throw new Error(`unknown image variant ${variant}`);
    const tag = `shmlab/${variant}:${hashFiles('/', [], [base, JSON.stringify(spec.cmd)]).slice(0, 12)}`;
    tags[variant] = tag;
    if (!(await imageExists(dockerode, tag))) missing.push(variant);
  }
  if (missing.length === 0) return { tags, built: [] };

  const context = tmp.dirSync({ prefix: 'shmlab-context-', unsafeCleanup: true });
  try {
    cpSync(FIXTURES, context.name, { recursive: true });
    const bin = join(context.name, 'bin');
    mkdirSync(bin, { recursive: true });
    for (const name of programs.names) copyFileSync(join(programs.dir, name), join(bin, name));
    copyFileSync(busybox, join(bin, 'busybox'));
    for (const applet of APPLETS) symlinkSync('busybox', join(bin, applet));
    const dockerfile = readFileSync(join(FIXTURES, 'Dockerfile'), 'utf8');
    for (const variant of missing) {
      say(`building image ${tags[variant]}...`);
      const file = `Dockerfile.${variant}`;
      writeFileSync(
        join(context.name, file),
        `${dockerfile}LABEL ${IMAGE_LABEL}="${variant}"\nCMD ${JSON.stringify(IMAGES[variant]!.cmd)}\n`,
      );
      await build(dockerode, context.name, tags[variant]!, file);
    }
  } finally {
    context.removeCallback();
  }
  await pruneSuperseded(dockerode, Object.values(tags));
  return { tags, built: missing };
}

// Earlier builds of the variants are cached images no run will use again; one still in use stays (the engine refuses).
async function pruneSuperseded(dockerode: Dockerode, current: string[]): Promise<void> {
  const images = await dockerode.listImages({ filters: JSON.stringify({ label: [IMAGE_LABEL] }) });
  const old = images.filter((i) => !(i.RepoTags ?? []).some((t) => current.includes(shortName(t))));
  await Promise.all(old.map((i) => dockerode.getImage(i.Id).remove().catch(() => undefined)));
}

async function imageExists(dockerode: Dockerode, tag: string): Promise<boolean> {
  try {
    await dockerode.getImage(tag).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

// The build stream reports failures as {error} lines rather than an HTTP error: read them all.
async function build(dockerode: Dockerode, context: string, tag: string, dockerfile: string): Promise<void> {
  const stream = await dockerode.buildImage({ context, src: listFiles(context).map((f) => f.slice(context.length + 1)) }, {
    t: tag,
    dockerfile,
    rm: true,
    forcerm: true,
  });
  const events: { error?: string; stream?: string }[] = await new Promise((resolve, reject) =>
    dockerode.modem.followProgress(stream, (err: Error | null, out: unknown[]) => (err ? reject(err) : resolve(out as never))),
  );
  const failure = events.find((e) => e.error);
  if (failure) throw new Error(`building ${tag} failed: ${failure.error}`);
}

/** A tag without the registry an engine may put in front of it (Podman: localhost/, docker.io/). */
export function shortName(tag: string): string {
  return tag.replace(/^(localhost|docker\.io)\//, '').replace(/^library\//, '');
}
