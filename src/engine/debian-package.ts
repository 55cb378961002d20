// Fetches one package of any Debian suite and unpacks it, with a private apt configuration: the system's is never touched.

import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { writeFileAtomically } from '../fs/atomic-write.js';
import { CACHE } from '../paths.js';

const MIRROR = 'http://deb.debian.org/debian';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

// One apt-get per suite at a time: they share the suite's lists folder and its lock.
const busy = new Map<string, Promise<unknown>>();

/** Unpacks `packageName` of Debian `suite` (once) under the cache's debian/<suite>/<package>/root and returns that root. */
export async function debianPackage(suite: string, packageName: string, say: (line: string) => void = () => {}): Promise<string> {
  const home = join(CACHE, 'debian', suite, packageName);
  const root = join(home, 'root');
  if (existsSync(join(home, '.complete'))) return root;
  const before = busy.get(suite) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(() => fetchAndUnpack(suite, packageName, home, say));
  busy.set(suite, mine);
  return mine;
}

/** apt-get with a private configuration for `suite` (binary and source indexes), its lists and cache under shmlab's. */
function privateApt(suite: string): { run: (args: string[], cwd?: string) => Promise<unknown>; update: () => Promise<unknown>; lists: string } {
  const apt = join(CACHE, 'debian', suite, 'apt');
  for (const dir of [join(apt, 'lists/partial'), join(apt, 'cache/archives/partial')]) mkdirSync(dir, { recursive: true });
  writeFileAtomically(
    join(apt, 'sources.list'),
    `deb [signed-by=${KEYRING}] ${MIRROR} ${suite} main\ndeb-src [signed-by=${KEYRING}] ${MIRROR} ${suite} main\n`,
  );
  const options = [
    '-o',
    `Dir::Etc::sourcelist=${join(apt, 'sources.list')}`,
    '-o',
    'Dir::Etc::sourceparts=-',
    '-o',
    `Dir::State::Lists=${join(apt, 'lists')}`,
    '-o',
    `Dir::Cache=${join(apt, 'cache')}`,
    '-o',
    'APT::Get::List-Cleanup=0',
    // As root, apt drops to _apt for downloads, which cannot write into our cache folder.
    '-o',
    'APT::Sandbox::User=root',
  ];
  return {
    run: (args, cwd) => execa('apt-get', [...options, ...args], { cwd }),
    update: () => execa('apt-get', [...options, 'update', '-qq']),
    lists: join(apt, 'lists'),
  };
}

/** Runs `fetch`, refreshing the suite's lists first if it has none of `kind`, and once more if `fetch` fails. */
async function withLists(apt: ReturnType<typeof privateApt>, kind: 'Packages' | 'Sources', fetch: () => Promise<unknown>): Promise<void> {
  const haveLists = readdirSync(apt.lists).some((f) => f.endsWith(`_${kind}`) || f.includes(`_${kind}.`));
  if (!haveLists) await apt.update();
  // Lists fetched earlier may name a version the mirror no longer has: refresh once and try again.
  await fetch().catch(async () => {
    await apt.update();
    await fetch();
  });
}

async function fetchAndUnpack(suite: string, packageName: string, home: string, say: (line: string) => void): Promise<string> {
  const root = join(home, 'root');
  if (existsSync(join(home, '.complete'))) return root;
  say(`fetching ${packageName} from Debian ${suite} (private apt configuration, once)...`);
  const apt = privateApt(suite);
  const debs = join(home, 'debs');
  mkdirSync(debs, { recursive: true });
  await withLists(apt, 'Packages', () => apt.run(['download', packageName], debs));
  const deb = readdirSync(debs).find((f) => f.startsWith(`${packageName}_`) && f.endsWith('.deb'));
  if (!deb) throw new Error(`Debian ${suite} offered no ${packageName} package.`);
  // Unpack beside the target and rename into place: a concurrent reader never sees half a package.
  const work = `${root}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  await execa('dpkg-deb', ['-x', join(debs, deb), work]);
  rmSync(root, { recursive: true, force: true });
  renameSync(work, root);
  writeFileAtomically(join(home, '.complete'), `${deb}\n`);
  say(`unpacked ${deb} into ${root}`);
  return root;
}

/**
 * The upstream tarball (`<package>_<version>.orig.tar.*`) of `packageName`'s source package in Debian `suite`, fetched
 * once into `folder`; apt checks it against the suite's signed Sources index. Only the tarball is needed: a mirror
 * that lacks the Debian packaging files still serves it, and apt's failure on those is not ours.
 */
export async function debianSourceTarball(suite: string, packageName: string, folder: string, say: (line: string) => void = () => {}): Promise<string> {
  const find = () => readdirSync(folder).find((f) => f.startsWith(`${packageName}_`) && /\.orig\.tar\.(gz|xz|bz2)$/.test(f));
  mkdirSync(folder, { recursive: true });
  const have = find();
  if (have) return join(folder, have);
  say(`fetching the source of ${packageName} from Debian ${suite} (private apt configuration, once)...`);
  const apt = privateApt(suite);
  let failure: unknown;
  await withLists(apt, 'Sources', async () => {
    await apt.run(['source', '--download-only', packageName], folder).catch((err) => {
      failure = err;
      if (!find()) throw err;
    });
  });
  const tarball = find();
  if (!tarball) throw new Error(`Debian ${suite} offered no source tarball of ${packageName}: ${(failure as Error | undefined)?.message ?? 'none downloaded'}`);
  return join(folder, tarball);
}
