// The fleet image's root file system, assembled from this machine's files as the lab's images are (nothing pulled):
// the Node.js that runs shmlab, shmlab's package as npm would publish it and its production dependencies, its compiled
// programs, a static busybox, and the few host tools a run calls (each with the shared libraries `ldd` names).
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { execa } from 'execa';
import { APPLETS, ensureBusybox } from '../build/busybox.js';
import { compilePrograms } from '../build/program-compiler.js';
import { compilePause, precompiledPause } from '../cri/pause-image.js';
import { SetupError } from '../errors.js';
import type { ProcessLease } from '../lab/process-lease.js';
import { ROOT } from '../paths.js';

export const IMAGE_ROOT = '/opt/shmlab';
export const IMAGE_CACHE = '/opt/shmlab-cache';
export const IMAGE_NODE = '/usr/local/bin/node';

/**
 * Host tools a run calls: GNU tar (deterministic layers of the CRI images), mount/umount (emptyDir tmpfs, as the
 * kubelet), flock (the host-wide locks), setpriv/ipcrm/ipcs (the host-segment step), id/getent (users), containerd's
 * ctr (CRI has no image import call).
 */
const TOOLS = ['tar', 'mount', 'umount', 'flock', 'setpriv', 'ipcrm', 'ipcs', 'id', 'getent', 'ctr'];

export async function layOutFleetImage(rootfs: string, say: (line: string) => void, lease: ProcessLease): Promise<void> {
  for (const dir of ['tmp', 'root', 'reports', 'etc', 'bin', 'usr/bin', 'usr/local/bin', 'var/lib']) mkdirSync(join(rootfs, dir), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  await copyProgram(process.execPath, IMAGE_NODE, rootfs);
  for (const tool of TOOLS) await copyProgram(await which(tool), join('/usr/bin', tool), rootfs);
  const busybox = await ensureBusybox(say);
  copyFileSync(busybox, join(rootfs, 'bin/busybox'));
  // `true`: what shmlab's lease probe has flock run (a run whose lock is free is over).
  for (const applet of [...APPLETS, 'true']) symlinkSync('busybox', join(rootfs, 'bin', applet));
  await copyPackage(join(rootfs, IMAGE_ROOT));
  const programs = await compilePrograms(say, lease);
  cpSync(programs.dir, join(rootfs, IMAGE_CACHE, 'programs', programs.hash), { recursive: true });
  // A node's containerd configured with shmlab's sandbox image (as shmlab configures its own) gets it from the pod.
  const pause = precompiledPause(join(rootfs, IMAGE_CACHE));
  mkdirSync(dirname(pause), { recursive: true });
  await compilePause(pause);
}

async function which(tool: string): Promise<string> {
  const found = await execa('sh', ['-c', `command -v ${tool}`], { reject: false });
  if (found.exitCode !== 0 || !found.stdout.trim()) {
    throw new SetupError(
      `The fleet image takes this machine's ${tool}, and there is none on PATH: install it (Debian: ${DEBIAN[tool] ?? 'util-linux'}), then try again.`,
    );
  }
  return found.stdout.trim();
}

const DEBIAN: Record<string, string> = { tar: 'tar', ctr: 'containerd', getent: 'libc-bin', id: 'coreutils' };

/** Copies a program to `to` in the image, and every shared library it loads to the same path as on this machine. */
async function copyProgram(from: string, to: string, rootfs: string): Promise<void> {
  const target = join(rootfs, to);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(realpathSync(from), target);
  chmodSync(target, 0o755);
  const ldd = await execa('ldd', [from], { reject: false });
  // A static program: "not a dynamic executable".
  if (ldd.exitCode !== 0) return;
  for (const line of ldd.stdout.split('\n')) {
    if (/not found/.test(line)) throw new SetupError(`${from} needs a library this machine lacks: ${line.trim()}`);
    const lib = /=>\s+(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(line)?.[1];
    if (!lib) continue;
    const libTarget = join(rootfs, lib);
    if (existsSync(libTarget)) continue;
    mkdirSync(dirname(libTarget), { recursive: true });
    copyFileSync(realpathSync(lib), libTarget);
  }
}

/** shmlab's files as `npm pack` lists them, and its production dependencies as `npm ls --omit=dev` finds them. */
async function copyPackage(target: string): Promise<void> {
  const packed = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
  const [{ files }] = JSON.parse(packed.stdout) as [{ files: { path: string }[] }];
  for (const { path } of files) {
    mkdirSync(dirname(join(target, path)), { recursive: true });
    copyFileSync(join(ROOT, path), join(target, path));
  }
  if (!files.some((f) => f.path === 'dist/src/cli.js')) throw new SetupError('shmlab is not built (no dist/src/cli.js): run npm run build, then try again.');
  const listed = await execa('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, reject: false });
  const dependencies = listed.stdout.split('\n').filter((p) => p.startsWith(join(ROOT, 'node_modules')));
  if (listed.exitCode !== 0 || dependencies.length === 0) {
    throw new SetupError(
      `shmlab's dependencies are not installed as its lock file says (npm ls: ${listed.stderr.split('\n')[0] || 'none found'}): run npm ci, then try again.`,
    );
  }
  for (const dir of dependencies) {
    // Nested node_modules are listed on their own when they are production dependencies.
    cpSync(dir, join(target, relative(ROOT, dir)), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => !src.slice(dir.length).includes('/node_modules'),
    });
  }
}
