// Processes a CRI runtime leaves on the node when a pod's removal goes wrong: a containerd shim whose task containerd
// no longer knows (its bundle is gone), a `runc init` of a container created and never started, a pod's processes in
// its cgroup. Found through /proc and the cgroup folders, ended by pid, one by one: never by name.
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupHierarchies } from './cgroup-folders.js';

interface Shim {
  pid: number;
  /** The task (pod sandbox) it serves: `-id`. */
  id: string;
  /** Its working folder, the task's bundle; undefined once the bundle is removed (the runtime is done with it). */
  bundle?: string;
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number);
}

function argv(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined; // gone meanwhile
  }
}

/**
 * Whether a shim's `-address` is the socket at `socket`: the same path, or the same file seen through the shim's own
 * root (shmlab in a pod of the node sees the node's socket mounted at another path than the one the shim was given).
 */
function sameSocket(pid: number, address: string | undefined, socket: string): boolean {
  if (address === undefined) return false;
  if (address === socket) return true;
  try {
    const [theirs, ours] = [statSync(`/proc/${pid}/root${address}`), statSync(socket)];
    return theirs.dev === ours.dev && theirs.ino === ours.ino;
  } catch {
    return false;
  }
}

/** The containerd shims serving the daemon at `socket` (their `-address`), whatever their state. */
export function shimsOf(socket: string): Shim[] {
  const shims: Shim[] = [];
  for (const pid of pids()) {
    const args = argv(pid);
    if (!args?.[0]?.split('/').pop()?.startsWith('containerd-shim')) continue;
    const flag = (name: string) => args[args.indexOf(name) + 1];
    // `… -address SOCK … delete` is containerd cleaning up after a task: it ends by itself.
    if (!sameSocket(pid, flag('-address'), socket) || args.includes('delete')) continue;
    let bundle: string | undefined;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      bundle = cwd.endsWith(' (deleted)') ? undefined : cwd;
    } catch {
      continue;
    }
    shims.push({ pid, id: flag('-id') ?? '', bundle });
  }
  return shims;
}

/** Shims of `socket` whose bundle is gone: the runtime removed their task and will never ask them anything again. */
export function orphanShims(socket: string): Shim[] {
  return shimsOf(socket).filter((s) => s.bundle === undefined);
}

/** The processes in the cgroup folder `path` (e.g. /shmlab/containerd-1.6/pod<uid>) or below it, in any hierarchy. */
export function processesInCgroup(path: string): number[] {
  const found = new Set<number>();
  const walk = (dir: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    try {
      for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) found.add(Number(pid));
    } catch {
      // gone meanwhile
    }
    for (const entry of entries) if (entry.isDirectory()) walk(join(dir, entry.name));
  };
  for (const hierarchy of cgroupHierarchies()) if (existsSync(join(hierarchy, path))) walk(join(hierarchy, path));
  return [...found];
}

/** What a process is, for saying so: its command line, or its name. */
export function describeProcess(pid: number): string {
  const args = argv(pid);
  return args?.length ? `${args.slice(0, 2).join(' ')} (pid ${pid})` : `pid ${pid}`;
}

/** The children of `pid` (a shim's: the pod's processes it started). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`))
      children.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  } catch {
    // gone meanwhile
  }
  return children;
}

function alive(pid: number): boolean {
  try {
    // A zombie is gone for our purpose: its parent reaps it.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Ends each process with SIGKILL, by its pid, and waits (up to `timeoutMs`) until none is left; returns those still alive. */
export async function endProcesses(list: readonly number[], timeoutMs = 5000): Promise<number[]> {
  for (const pid of list) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  const deadline = Date.now() + timeoutMs;
  let left = list.filter(alive);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = left.filter(alive);
  }
  return left;
}
