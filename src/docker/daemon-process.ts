// An extra engine daemon of shmlab's own: its socket, data root, exec root and pid file under one folder,
// in its own network namespace (a second dockerd in the host's namespace deletes the first one's docker0).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openLog, signalIfAlive } from '../engine/host-tools.js';
import { EngineUnavailableError } from '../errors.js';
import { writeFileAtomically } from '../fs/atomic-write.js';
import { probeEngine } from './docker-probe.js';

interface DaemonSpec {
  /** Folder holding everything of this daemon; keep it short (unix socket paths are limited to 107 bytes). */
  home: string;
  /** The command line, without the paths shmlab adds (socket, roots, pid file for dockerd). */
  command: string[];
  /** The engine program, named in messages when `command` starts with a wrapper (setpriv for a rootless engine). */
  program?: string;
  /** dockerd takes --host/--data-root/--exec-root/--pidfile; a service given its socket in `command` does not. */
  kind: 'dockerd' | 'service';
  env?: NodeJS.ProcessEnv;
  /** Mounts hidden from the daemon: it then runs in a private mount namespace of its own, without them. */
  unmount?: string[];
  /** An mqueue file system at /dev/mqueue in that private mount namespace (the folder must exist). */
  mqueue?: true;
}

export interface RunningDaemon {
  address: string;
  pid?: number;
  /** False when it already answered: then it is not ours to stop. */
  startedHere: boolean;
}

/** A started engine, and what its runs must be told: what the host needed, and where the runtime logs panics. */
export type StartedEngine = RunningDaemon & {
  ctr?: string;
  workarounds?: string[];
  panicDir?: string;
  /** How the engine was set up, as `Key: value` lines for the report's environment (a rootless engine's user). */
  details?: string[];
};

const socketOf = (home: string) => join(home, 'engine.sock');
const pidFileOf = (home: string) => join(home, 'engine.pid');

export async function startDaemon(spec: DaemonSpec, say: (line: string) => void, timeoutMs = 90_000): Promise<RunningDaemon> {
  const socket = socketOf(spec.home);
  const address = `unix://${socket}`;
  if ((await probeEngine({ uri: address, explicit: true, socketPath: socket }, 1000)).ok) return { address, startedHere: false };
  mkdirSync(spec.home, { recursive: true });
  const args =
    spec.kind === 'dockerd'
      ? [
          ...spec.command,
          '--host',
          address,
          '--data-root',
          join(spec.home, 'data'),
          '--exec-root',
          join(spec.home, 'x'),
          '--pidfile',
          join(spec.home, 'dockerd.pid'),
          '--bridge',
          'none',
          '--iptables=false',
          '--ip6tables=false',
        ]
      : spec.command;
  const log = openLog(join(spec.home, 'engine.log'));
  // unshare and sh exec into the daemon, so the child's pid stays the daemon's.
  const prepare = [...(spec.unmount?.length ? [`umount ${spec.unmount.join(' ')}`] : []), ...(spec.mqueue ? ['mount -t mqueue mqueue /dev/mqueue'] : [])];
  const mounts = prepare.length ? ['-m', '--propagation', 'private', 'sh', '-c', `${prepare.join(' && ')} && exec "$@"`, 'sh'] : [];
  const child = spawn('unshare', ['-n', ...mounts, ...args], { detached: true, stdio: ['ignore', log, log], env: spec.env ?? process.env });
  child.unref();
  writeFileAtomically(pidFileOf(spec.home), String(child.pid));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await probeEngine({ uri: address, explicit: true, socketPath: socket }, 1000)).ok) {
      say(`started ${args[0]} at ${address} (pid ${child.pid}, log ${join(spec.home, 'engine.log')})`);
      return { address, pid: child.pid, startedHere: true };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const program = spec.program ?? args[0];
  const logFile = join(spec.home, 'engine.log');
  const last = child.exitCode === null ? undefined : lastLine(logFile);
  throw new EngineUnavailableError(
    last
      ? `${program} exited before it answered at ${address}, saying: ${last} (${logFile}).`
      : `${program} did not come up at ${address} within ${timeoutMs / 1000} s; see ${logFile}.`,
  );
}

/** The last non-empty line of a daemon's log: what it said before it exited. */
function lastLine(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').trimEnd().split('\n').pop()?.trim() || undefined;
}

/**
 * Stops a daemon this project started (by its pid file), only while that pid is still the daemon: a process whose
 * command line names its folder (a pid file outlives its daemon, and pids are reused). Waits until it is gone.
 */
export async function stopDaemon(home: string, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<boolean> {
  const file = pidFileOf(home);
  if (!existsSync(file)) return false;
  const pid = Number(readFileSync(file, 'utf8'));
  const ours = () => alive(pid) && commandLine(pid).some((arg) => arg.includes(home));
  if (!ours()) {
    rmSync(file, { force: true });
    return false;
  }
  signalIfAlive(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (ours() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (ours()) signalIfAlive(pid, 'SIGKILL');
  rmSync(file, { force: true });
  return true;
}

/** A process's arguments, or none when it is gone. */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** Whether a process of this pid still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
