// The unprivileged user a rootless engine runs as: made by shmlab where it is missing (an ordinary user, with a range
// of subordinate uids and gids, as `useradd` gives one on Debian), with the packages a rootless engine needs.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { execa } from 'execa';
import { SetupError } from '../errors.js';
import { aptInstall, hasCommand, type Say, signalIfAlive } from './host-tools.js';

/** The user shmlab's rootless engines run as. */
export const ROOTLESS_USER = 'shmlab-rootless';

interface RootlessUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  /** Its subordinate id ranges, as /etc/subuid and /etc/subgid hold them: `first:count`. */
  subuid: string;
  subgid: string;
}

/** What a rootless engine needs of the host: newuidmap/newgidmap, and the network and overlay helpers Podman calls. */
const PACKAGES = { newuidmap: 'uidmap', slirp4netns: 'slirp4netns', 'fuse-overlayfs': 'fuse-overlayfs' };

/** The rootless user, made if missing, with its id ranges; the packages installed. */
export async function rootlessUser(say: Say): Promise<RootlessUser> {
  const missing: string[] = [];
  for (const [command, pkg] of Object.entries(PACKAGES)) if (!(await hasCommand(command))) missing.push(pkg);
  if (missing.length) await aptInstall(missing, say);
  if ((await uidOf(ROOTLESS_USER)) === undefined) {
    say(`making the unprivileged user ${ROOTLESS_USER} for rootless engines (once)...`);
    // An ordinary user (not --system): useradd gives it subordinate id ranges in /etc/subuid and /etc/subgid.
    await execa('useradd', ['--create-home', '--shell', '/usr/sbin/nologin', '--comment', 'shmlab rootless engines', ROOTLESS_USER]);
  }
  const [uid, gid] = await Promise.all(['-u', '-g'].map(async (flag) => Number((await execa('id', [flag, ROOTLESS_USER])).stdout.trim())));
  const home = (await execa('getent', ['passwd', ROOTLESS_USER])).stdout.split(':')[5] ?? '';
  const subuid = rangeOf('/etc/subuid', ROOTLESS_USER, uid!);
  const subgid = rangeOf('/etc/subgid', ROOTLESS_USER, uid!);
  if (!subuid || !subgid) {
    throw new SetupError(
      `The user ${ROOTLESS_USER} has no subordinate ${subuid ? 'gid' : 'uid'} range (/etc/sub${subuid ? 'g' : 'u'}id): add one, e.g. \`usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${ROOTLESS_USER}\`.`,
    );
  }
  return { name: ROOTLESS_USER, uid: uid!, gid: gid!, home, subuid, subgid };
}

/** `first:count` of the user's line in /etc/subuid or /etc/subgid (by name or by uid), or undefined. */
export function rangeOf(file: string, name: string, uid: number, text = readText(file)): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}:`) || l.startsWith(`${uid}:`));
  return line?.split(':').slice(1, 3).join(':') || undefined;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The pids of the processes running as `uid` (from /proc: each process's real uid), in user namespace `userns` if given. */
export function processesOf(uid: number, userns?: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const real = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (Number(real) === uid && (userns === undefined || usernsOf(Number(entry)) === userns)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The user namespace a process is in (`user:[4026532…]`), or undefined when it is gone. */
export function usernsOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/user`);
  } catch {
    return undefined;
  }
}

/** The uid of a user, or undefined where there is none. */
export async function uidOf(name: string): Promise<number | undefined> {
  const found = await execa('id', ['-u', name], { reject: false });
  return found.exitCode === 0 ? Number(found.stdout.trim()) : undefined;
}

/** The pids of every process in user namespace `userns`, whatever its uid (a rootless container's run as subordinate ids). */
function processesIn(userns: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => usernsOf(pid) === userns);
}

/**
 * Ends what a rootless engine left in its user namespace once its service has stopped: Podman's pause process (it
 * holds the namespace) and the monitors of its execs (conmon waits minutes for an exec's exit), rootless Docker's
 * containerd and shims, and any container process. Another rootless engine of the same user has a user namespace of
 * its own and is left alone. Each is ended by pid, SIGTERM, then SIGKILL. `ended`: how many; `unreaped`: how many were
 * still zombies at the end of the wait (their parent, often the host's init once conmon daemonized, had not waited).
 */
export async function endNamespaceProcesses(userns: string, timeoutMs = 10_000): Promise<{ ended: number; unreaped: number }> {
  // The host's own user namespace holds every process of the host: never a rootless engine's.
  if (userns === usernsOf(1) || userns === usernsOf(process.pid)) throw new Error(`${userns} is the host's user namespace, not a rootless engine's`);
  const first = processesIn(userns);
  const signalled = new Set(first);
  for (const pid of first) signalIfAlive(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (processesIn(userns).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  // What SIGTERM did not end, and what ending the others started (an exec's cleanup command).
  for (let round = 0; round < 5 && processesIn(userns).length; round++) {
    for (const pid of processesIn(userns)) {
      signalled.add(pid);
      signalIfAlive(pid, 'SIGKILL');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // An ended process leaves the namespace at once but stays a zombie until its parent waits; wait for that too, so
  // that nothing of the engine is in the process table when its stop returns.
  const zombies = () => [...signalled].filter(isZombie);
  const reapDeadline = Date.now() + timeoutMs;
  while (zombies().length && Date.now() < reapDeadline) await new Promise((r) => setTimeout(r, 200));
  return { ended: first.length, unreaped: zombies().length };
}

/** Whether `pid` is a zombie now (a pid reused by a live process is not). */
function isZombie(pid: number): boolean {
  try {
    // The state follows the command's closing parenthesis: "pid (comm) S ...".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}
