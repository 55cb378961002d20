// Rootless set-ups of the Docker API engines: Podman's API service and dockerd (through rootlesskit), each run as
// shmlab's unprivileged user in a user namespace of its own, and stopped with everything that namespace still holds.
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { aptInstall, hasCommand, signalIfAlive } from '../engine/host-tools.js';
import { endNamespaceProcesses, processesOf, ROOTLESS_USER, rootlessUser, uidOf, usernsOf } from '../engine/rootless-user.js';
import { writeFileAtomically } from '../fs/atomic-write.js';
import { alive, commandLine, type StartedEngine, startDaemon, stopDaemon } from './daemon-process.js';

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
      `Rootless: as the user ${user.name} (uid ${user.uid}), in a user namespace of its own`,
      `Subordinate ids: uids ${user.subuid}, gids ${user.subgid} (first:count, /etc/subuid and /etc/subgid)`,
      "Privileged containers: their capabilities are those of the engine's user namespace, none over the host's",
    ],
  };
}

/** Podman's API service (`service`, with its environment) as the rootless user. */
export async function startRootlessPodman(home: string, service: string[], env: NodeJS.ProcessEnv, say: Say): Promise<StartedEngine> {
  const as = await asUser(home, say);
  const made = useDevMqueue(home);
  const daemon = await startDaemon({ home, kind: 'service', mqueue: true, program: service[0], command: as.command(service), env: { ...env, ...as.env } }, say);
  // Already running (started earlier, e.g. by `shmlab engines up`): its mount of /dev/mqueue still needs the folder.
  if (daemon.startedHere) recordUserns(home, as.user.uid);
  return {
    ...daemon,
    details: [
      ...as.details,
      "Host packages: uidmap (newuidmap, newgidmap), slirp4netns, fuse-overlayfs; the images are built in that user's storage",
      `Message queues: an mqueue file system at /dev/mqueue, mounted by shmlab in the private mount namespace it starts the service in${made ? ' (this host had no /dev/mqueue: shmlab made the empty folder, and removes it when no engine of its own uses it)' : ''}`,
    ],
  };
}

/**
 * Debian's dockerd-rootless.sh as the rootless user, with `dockerd` (the bookworm one) and its `config`: rootlesskit
 * without a network of its own (`net=host`, no port driver), since no experiment uses a network (and slirp4netns
 * cannot make its tap device on this machine); shmlab's own network namespace is around it, as around every engine.
 */
export async function startRootlessDockerd(dockerd: string, config: string, home: string, say: Say): Promise<StartedEngine> {
  if (!(await hasCommand('rootlesskit'))) await aptInstall(['rootlesskit'], say);
  const as = await asUser(home, say);
  const path = [join(dockerd, '..'), process.env.PATH].join(':');
  const daemon = await startDaemon(
    {
      home,
      kind: 'dockerd',
      program: 'dockerd-rootless.sh',
      command: as.command([DOCKERD_ROOTLESS, '--config-file', config]),
      env: { ...process.env, ...as.env, PATH: path, DOCKERD_ROOTLESS_ROOTLESSKIT_NET: 'host', DOCKERD_ROOTLESS_ROOTLESSKIT_PORT_DRIVER: 'none' },
    },
    say,
  );
  if (daemon.startedHere) recordUserns(home, as.user.uid);
  return {
    ...daemon,
    details: [
      ...as.details,
      `Started by: ${DOCKERD_ROOTLESS} (Debian's docker.io) through rootlesskit, with DOCKERD_ROOTLESS_ROOTLESSKIT_NET=host and DOCKERD_ROOTLESS_ROOTLESSKIT_PORT_DRIVER=none: no network of its own, inside shmlab's empty network namespace for the engine (no experiment uses a network)`,
      "Host packages: rootlesskit, uidmap (newuidmap, newgidmap), slirp4netns, fuse-overlayfs; the images are built in that user's data root",
    ],
  };
}

// The user namespace of the engine of `home`, recorded once it answers: what its stop ends, even if its service died.
const usernsFile = (home: string) => join(home, 'engine.userns');

/** The engine's own user namespace: that of the user's processes that name its socket, other than the host's. */
function engineUserns(home: string, uid: number): string | undefined {
  const socket = join(home, 'engine.sock');
  const host = usernsOf(process.pid);
  return processesOf(uid)
    .filter((pid) => commandLine(pid).some((a) => a.endsWith(socket)))
    .map(usernsOf)
    .find((ns) => ns !== undefined && ns !== host);
}

function recordUserns(home: string, uid: number): void {
  const ns = engineUserns(home, uid);
  if (ns) writeFileAtomically(usernsFile(home), `${ns}\n`);
}

/**
 * Stops a rootless engine shmlab started in `home`: Podman's service (by now a process inside the engine's user
 * namespace, the one started having handed over to it) or rootlesskit, then every process still in that user
 * namespace, whatever its id (containers run as subordinate ids): its pause process, containerd, shims, exec monitors.
 */
export async function stopRootlessEngine(home: string, say: Say): Promise<boolean> {
  try {
    const uid = await uidOf(ROOTLESS_USER);
    const recorded = existsSync(usernsFile(home)) ? readFileSync(usernsFile(home), 'utf8').trim() : undefined;
    const userns = (uid !== undefined ? engineUserns(home, uid) : undefined) ?? recorded;
    const socket = join(home, 'engine.sock');
    const service = uid === undefined ? [] : processesOf(uid, userns).filter((pid) => commandLine(pid).some((a) => a.endsWith(socket)));
    for (const pid of service) signalIfAlive(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (service.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const started = await stopDaemon(home);
    const left = userns ? await endNamespaceProcesses(userns) : { ended: 0, unreaped: 0 };
    if (left.ended) say(`ended ${left.ended} process(es) still in this engine's user namespace (its pause process, shims, exec monitors), by pid`);
    if (left.unreaped) say(`${left.unreaped} of them still zombies after 10 s: ended, waiting for their parent to reap them`);
    rmSync(usernsFile(home), { force: true });
    return started || service.length > 0;
  } finally {
    releaseDevMqueue(home);
  }
}

// /dev/mqueue for rootless Podman, counted by user: each engine's home holds a mark while it uses the folder, and the
// folder goes (if shmlab made it) when the last mark does. The service sees its own mount of it, in its own namespace.
const ENGINES_HOME_OF = (home: string) => dirname(home);
const useMark = (home: string) => join(home, 'uses-dev-mqueue');
const madeMark = (home: string) => join(ENGINES_HOME_OF(home), 'made-dev-mqueue');

/**
 * Rootless Podman gives a container in the host's IPC namespace the host's /dev/mqueue, bound (an unprivileged user
 * cannot mount an mqueue file system for an IPC namespace its user namespace does not own): a host without one makes
 * every `--ipc=host` container fail (`statfs /dev/mqueue`). Returns whether shmlab made the folder (now or before).
 */
function useDevMqueue(home: string): boolean {
  writeFileAtomically(useMark(home), '/dev/mqueue\n');
  if (!existsSync('/dev/mqueue')) {
    writeFileAtomically(madeMark(home), '/dev/mqueue\n');
    try {
      mkdirSync('/dev/mqueue');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return existsSync(madeMark(home));
}

/** This engine no longer uses /dev/mqueue: the folder shmlab made goes once no engine of its own uses it. */
function releaseDevMqueue(home: string): void {
  if (!existsSync(useMark(home))) return;
  rmSync(useMark(home), { force: true });
  const root = ENGINES_HOME_OF(home);
  const inUse = readdirSync(root).some((name) => existsSync(join(root, name, 'uses-dev-mqueue')));
  if (inUse || !existsSync(madeMark(home))) return;
  try {
    rmdirSync('/dev/mqueue');
  } catch {
    // Mounted or filled by someone else since: theirs now.
  }
  rmSync(madeMark(home), { force: true });
}
