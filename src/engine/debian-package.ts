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

async function fetchAndUnpack(suite: string, packageName: string, home: string, say: (line: string) => void): Promise<string> {
  const root = join(home, 'root');
  if (existsSync(join(home, '.complete'))) return root;
  say(`fetching ${packageName} from Debian ${suite} (private apt configuration, once)...`);
  const apt = join(CACHE, 'debian', suite, 'apt');
  const debs = join(home, 'debs');
  for (const dir of [join(apt, 'lists/partial'), join(apt, 'cache/archives/partial'), debs]) mkdirSync(dir, { recursive: true });
  writeFileAtomically(join(apt, 'sources.list'), `deb [signed-by=${KEYRING}] ${MIRROR} ${suite} main\n`);
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
  const update = () => execa('apt-get', [...options, 'update', '-qq']);
  const download = () => execa('apt-get', [...options, 'download', packageName], { cwd: debs });
  const haveLists = readdirSync(join(apt, 'lists')).some((f) => f.endsWith('_Packages') || f.includes('_Packages.'));
  if (!haveLists) await update();
  // Lists fetched earlier may name a version the mirror no longer has: refresh once and try again.
  await download().catch(async () => {
    await update();
    await download();
  });
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
