// The host's IPC namespace, seen and cleaned through the engine (a helper container in it), so that it works the
// same for a local or a remote engine, and for every kind of engine.
import { HOST_KEY_PREFIX } from './lab-session.js';

interface HostSegment {
  key: number;
  shmid: number;
  size: number;
  /** Seconds since the epoch when it was last changed (created). */
  ctime: number;
}

/** Runs a shell script in the host's IPC namespace and returns what it printed; fails when the script fails. */
export type HostIpc = (script: string) => Promise<string>;

export async function removeHostKeys(hostIpc: HostIpc, keys: number[]): Promise<void> {
  await hostIpc(keys.map((k) => `/bin/sysv-rm --key ${k}`).join(' && '));
}

/** The engine's containers cannot list SysV segments (gVisor has no /proc/sysvipc): host segments cannot be seen through it. */
export class HostSegmentsUnlistable extends Error {}

/** The engine refuses its containers the host's IPC namespace (a rootless Docker 20.10): nothing is seen through it. */
export class HostIpcUnreachable extends HostSegmentsUnlistable {
  constructor(readonly words: string) {
    super(`the engine refused shmlab's helper container in the host's IPC namespace (${words}), so the host's SysV segments cannot be seen through it`);
  }
}

/** Every segment in the host's IPC namespace, shmlab's or not. */
export async function listAllHostSegments(hostIpc: HostIpc): Promise<HostSegment[]> {
  // The listing is told apart from other failures of the helper: a missing /proc/sysvipc is the engine's nature.
  const table = await hostIpc('if [ -r /proc/sysvipc/shm ]; then /bin/cat /proc/sysvipc/shm; else echo "shmlab: no /proc/sysvipc/shm"; fi');
  if (table.startsWith('shmlab: no /proc/sysvipc/shm')) {
    throw new HostSegmentsUnlistable("this engine's containers have no /proc/sysvipc/shm, so the host's SysV segments cannot be listed through it");
  }
  return parseSysvipcShm(table);
}

/** Every segment in the host's namespace whose key carries shmlab's prefix. */
export async function listHostSegments(hostIpc: HostIpc): Promise<HostSegment[]> {
  return (await listAllHostSegments(hostIpc)).filter((s) => s.key >>> 16 === HOST_KEY_PREFIX);
}

// /proc/sysvipc/shm: key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime ...
function parseSysvipcShm(table: string): HostSegment[] {
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 14)
    .map((cols) => ({ key: Number(cols[0]), shmid: Number(cols[1]), size: Number(cols[3]), ctime: Number(cols[13]) }));
}
