// The files an image needs to run PostgreSQL 15 without a registry: Debian 12's postgresql-15, postgresql-client-15
// and libpq5 packages (fetched and unpacked with a private apt configuration), and the host's shared libraries their
// programs load, as `ldd` lists them (a Debian 12 host has them all). Its JIT provider is left out: it loads LLVM,
// which is not copied (the server runs with jit=off).
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { debianPackage } from '../engine/debian-package.js';
import { SetupError } from '../errors.js';
import { hashFiles } from './content-hash.js';

const PACKAGES = ['postgresql-15', 'postgresql-client-15', 'libpq5'];
/** The programs whose libraries are copied: the server, its set-up and control, and the client. */
const PROGRAMS = ['postgres', 'initdb', 'pg_ctl', 'psql', 'pg_isready'];
const BIN = 'usr/lib/postgresql/15/bin';

/** What an image adds to the lab's own files: folders copied to the image's root, and the hash of what they hold. */
export interface ExtraFiles {
  name: string;
  /** Package roots, each copied whole (its usr/) into the image. */
  roots: string[];
  /** Host files copied to the same path in the image (shared libraries and the dynamic loader). */
  hostFiles: string[];
  /** The image's top-level folders these make (for a Dockerfile's COPY lines). */
  folders: string[];
  hash: string;
}

export async function postgresqlFiles(say: (line: string) => void): Promise<ExtraFiles> {
  const roots: string[] = [];
  // One at a time: they share the suite's apt lists.
  for (const name of PACKAGES) roots.push(await debianPackage('bookworm', name, say));
  const program = (name: string) => roots.map((r) => join(r, BIN, name)).find((p) => existsSync(p));
  const libDirs = roots.map((r) => join(r, 'usr/lib/x86_64-linux-gnu')).filter((d) => existsSync(d));
  const hostFiles = new Set<string>(['/lib64/ld-linux-x86-64.so.2']);
  for (const name of PROGRAMS) {
    const path = program(name);
    if (!path) throw new SetupError(`Debian 12's PostgreSQL packages hold no ${name}.`);
    const { stdout } = await execa('ldd', [path], { env: { ...process.env, LD_LIBRARY_PATH: libDirs.join(':') } });
    for (const line of stdout.split('\n')) {
      if (/not found/.test(line)) throw new SetupError(`${name} of PostgreSQL needs a library this host lacks: ${line.trim()}`);
      const lib = /=>\s+(\/\S+)/.exec(line)?.[1];
      // Libraries of the packages themselves (libpq) come with their root.
      if (lib && !roots.some((r) => lib.startsWith(r))) hostFiles.add(lib);
    }
  }
  const files = [...hostFiles].sort();
  const versions = roots.map((r) => readFileSync(join(r, '..', '.complete'), 'utf8').trim());
  const hash = hashFiles(
    '/',
    files.map((f) => realpathSync(f)),
    versions,
  );
  return { name: 'postgresql', roots, hostFiles: files, folders: ['usr', 'lib', 'lib64'], hash };
}

/** Lays the extra files out in a build context: the packages' usr/ trees (less the JIT), then the host's libraries. */
export function layOutExtra(extra: ExtraFiles, context: string): void {
  for (const root of extra.roots)
    cpSync(join(root, 'usr'), join(context, 'usr'), {
      recursive: true,
      // Links stay as the package has them (relative), not pointed at the cache.
      verbatimSymlinks: true,
      // Docs and the JIT's bitcode are not needed to run; llvmjit.so would load LLVM, which is not there.
      filter: (src) => !/\/usr\/share\/(doc|man)\b|\/lib\/bitcode\b|llvmjit/.test(src.slice(root.length)),
    });
  for (const file of extra.hostFiles) {
    const to = join(context, file);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(realpathSync(file), to);
  }
}
