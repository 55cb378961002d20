// Rootless set-ups of the Docker API engines: Podman's API service and dockerd (through rootlesskit), each run as
// shmlab's unprivileged user in a user namespace of its own, and stopped with everything that user still runs.
import { chownSync, existsSync, mkdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { aptInstall, hasCommand } from '../engine/host-tools.js';
import { endUserProcesses, processesOf, ROOTLESS_USER, rootlessUser, usernsOf } from '../engine/rootless-user.js';
import { writeFileAtomically } from '../fs/atomic-write.js';
import { alive, type StartedEngine, startDaemon, stopDaemon } from './daemon-process.js';

type Say = (line: string) => void;

// Debian's docker.io ships it: it re-executes itself through rootlesskit, in a user and mount namespace, then dockerd.
const DOCKERD_ROOTLESS = '/usr/share/docker.io/contrib/dockerd-rootless.sh';

/** The user's folders under `home` (its runtime folder, 0700, as XDG_RUNTIME_DIR must be), and how it runs a command. */
async function asUser(home: string, say: Say) {
  const user = await rootlessUser(say);
  const run = join(home, 'run');
  mkdirSync(run, { recursive: true, mode: 0o700 });
  for (const dir of [home, run]) chownSync(dir, user.uid, user.gid);
  return {
    user,
    // setpriv execs the command as the user (no session in between): the daemon's pid is the one shmlab keeps.
    command: (args: string[]) => ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', ...args],
    env: { HOME: user.home, USER: user.name, LOGNAME: user.name, XDG_RUNTIME_DIR: run },
    details: [
      `Rootless: as the user ${user.name} (uid ${user.uid}, made by shmlab), in a user namespace of its own`,
      `Subordinate ids: uids ${user.subuid}, gids ${user.subgid} (first:count, /etc/subuid and /etc/subgid)`,
    ],
  };
}

/** Podman's API service (`service`, with its environment) as the rootless user. */
export async function startRootlessPodman(home: string, service: string[], env: NodeJS.ProcessEnv, say: Say): Promise<StartedEngine> {
  const as = await asUser(home, say);
  const mqueue = devMqueue(home);
  const daemon = await startDaemon({ home, kind: 'service', mqueue: true, command: as.command(service), env: { ...env, ...as.env } }, say);
  return {
    ...daemon,
    details: [
      ...as.details,
      "Host packages: uidmap (newuidmap, newgidmap), slirp4netns, fuse-overlayfs; the images are built in that user's storage",
      `Message queues: an mqueue file system at /dev/mqueue in the service's own mount namespace, mounted by shmlab as a host's init does${mqueue.made ? ' (this host had no /dev/mqueue: shmlab made the empty folder, and removes it when it stops the engine)' : ''}`,
    ],
  };
}

/**
 * Debian's dockerd-rootless.sh as the rootless user, with `dockerd` (the bookworm one) and its `config`: rootlesskit
 * without a network of its own (`net=host`, no port driver), since slirp4netns cannot make its tap device here and no
 * experiment uses a network; shmlab's own network namespace is around it, as around every engine.
 */
export async function startRootlessDockerd(dockerd: string, config: string, home: string, say: Say): Promise<StartedEngine> {
  if (!(await hasCommand('rootlesskit'))) await aptInstall(['rootlesskit'], say);
  const as = await asUser(home, say);
  const path = [join(dockerd, '..'), process.env.PATH].join(':');
  const daemon = await startDaemon(
    {
      home,
      kind: 'dockerd',
      command: as.command([DOCKERD_ROOTLESS, '--config-file', config]),
      env: { ...process.env, ...as.env, PATH: path, DOCKERD_ROOTLESS_ROOTLESSKIT_NET: 'host', DOCKERD_ROOTLESS_ROOTLESSKIT_PORT_DRIVER: 'none' },
    },
    say,
  );
  return {
    ...daemon,
    details: [
      ...as.details,
      `Started by: ${DOCKERD_ROOTLESS} (Debian's docker.io) through rootlesskit, with DOCKERD_ROOTLESS_ROOTLESSKIT_NET=host and DOCKERD_ROOTLESS_ROOTLESSKIT_PORT_DRIVER=none (slirp4netns cannot make its tap device on this host; no experiment uses a network)`,
      "Host packages: rootlesskit, uidmap (newuidmap, newgidmap); the images are built in that user's data root",
    ],
  };
}

/**
 * Stops a rootless engine shmlab started in `home`: Podman's service (by now a process of the user's own, the one
 * started having handed over to it inside the user namespace) or rootlesskit, then what the user still runs.
 */
export async function stopRootlessEngine(home: string, say: Say): Promise<boolean> {
  const found = await execa('id', ['-u', ROOTLESS_USER], { reject: false });
  if (found.exitCode !== 0) return stopDaemon(home);
  const uid = Number(found.stdout.trim());
  // The engine's own processes name its socket (Podman's service, dockerd); those inside the engine's user namespace
  // tell which one it is, so that what that namespace still holds is ended with it, and another engine's left alone.
  const socket = join(home, 'engine.sock');
  const named = processesOf(uid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .some((a) => a.endsWith(socket));
    } catch {
      return false;
    }
  });
  const hostUserns = usernsOf(process.pid);
  const userns = named.map(usernsOf).find((ns) => ns !== undefined && ns !== hostUserns);
  const service = named.filter((pid) => usernsOf(pid) === userns);
  for (const pid of service) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (service.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const started = await stopDaemon(home);
  const left = userns ? await endUserProcesses(uid, userns) : 0;
  if (left)
    say(`ended ${left} process(es) the user ${ROOTLESS_USER} still ran in this engine's user namespace (its pause process, shims, exec monitors), by pid`);
  removeDevMqueue(home);
  return started || service.length > 0;
}

// The folder shmlab made for /dev/mqueue, removed when the engine it was made for stops.
const madeMqueue = (home: string) => join(home, 'made-dev-mqueue');

/**
 * Rootless Podman gives a container in the host's IPC namespace the host's /dev/mqueue, bound (an unprivileged user
 * cannot mount an mqueue file system for an IPC namespace its user namespace does not own): a host without one makes
 * every `--ipc=host` container fail (`statfs /dev/mqueue`). The mount is in the service's own mount namespace only.
 */
function devMqueue(home: string): { made: boolean } {
  if (existsSync('/dev/mqueue')) return { made: existsSync(madeMqueue(home)) };
  mkdirSync('/dev/mqueue');
  writeFileAtomically(madeMqueue(home), '/dev/mqueue\n');
  return { made: true };
}

/** Removes the /dev/mqueue folder shmlab made for the engine of `home`, where it is still an empty folder. */
function removeDevMqueue(home: string): void {
  if (!existsSync(madeMqueue(home))) return;
  try {
    rmdirSync('/dev/mqueue');
  } catch {
    // Mounted or filled by someone else since: theirs now.
  }
  rmSync(madeMqueue(home), { force: true });
}
