// An OCI runtime built from a Debian suite's source package, where that suite's binary needs a newer C library than
// this host's (crun 1.21 of Debian 13 on Debian 12): the upstream tarball, configured for this host, built once and
// cached. Only crun is built so: its build needs a C compiler and four -dev packages, nothing fetched at build time.

import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { EngineUnavailableError } from '../errors.js';
import { writeFileAtomically } from '../fs/atomic-write.js';
import { CACHE } from '../paths.js';
import { debianSourceTarball } from './debian-package.js';
import { aptInstall, type Say } from './host-tools.js';

/** What crun's build needs of the host: a compiler, make, pkg-config and the libraries it links. */
const BUILD_PACKAGES = ['gcc', 'make', 'pkg-config', 'libyajl-dev', 'libseccomp-dev', 'libcap-dev', 'libsystemd-dev'];

/** crun built from Debian `suite`'s source (once): the binary's path. */
export async function crunFromSource(suite: string, say: Say): Promise<string> {
  const home = join(CACHE, 'debian', suite, 'crun-source');
  const binary = join(home, 'crun');
  if (existsSync(join(home, '.complete'))) return binary;
  const tarball = await debianSourceTarball(suite, 'crun', join(home, 'src'), say);
  const missing = await missingPackages(BUILD_PACKAGES);
  if (missing.length) await aptInstall(missing, say);
  const version = /crun_([^_]+)\.orig\.tar/.exec(tarball)?.[1] ?? 'unknown';
  say(`building crun ${version} from Debian ${suite}'s source (once, about a minute)...`);
  const work = join(home, `build-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    await execa('tar', ['-xf', tarball, '-C', work, '--strip-components=1']);
    // No systemd or CRIU here; a static libcrun, so the binary needs only the host's shared libraries.
    await execa(join(work, 'configure'), ['--disable-systemd', '--disable-criu', '--enable-shared=no'], { cwd: work });
    // The tarball has no git history: the version its build would read from git is the package's.
    writeFileSync(join(work, 'git-version.h'), `#define GIT_VERSION "${version}"\n`);
    await execa('make', [`-j${Math.max(1, cpus().length)}`, 'crun'], { cwd: work });
    renameSync(join(work, 'crun'), `${binary}.tmp`);
    renameSync(`${binary}.tmp`, binary);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const tail = (e.stderr ?? '').trim().split('\n').slice(-3).join('\n');
    throw new EngineUnavailableError(`Could not build crun ${version} from Debian ${suite}'s source: ${tail || e.message}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  writeFileAtomically(join(home, '.complete'), `${readdirSync(join(home, 'src')).join(' ')}\n`);
  say(`built ${binary}`);
  return binary;
}

async function missingPackages(packages: string[]): Promise<string[]> {
  const found = await execa('dpkg-query', ['-W', '-f', '${Package} ${Status}\n', ...packages], { reject: false });
  const installed = new Set(
    String(found.stdout)
      .split('\n')
      .filter((l) => l.endsWith(' installed'))
      .map((l) => l.split(' ')[0]?.replace(/:.*/, '')),
  );
  return packages.filter((p) => !installed.has(p));
}
