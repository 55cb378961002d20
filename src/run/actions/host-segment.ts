// `host-segment`: this run's host-key segment as the host sees it, by shmlab on the host: its owner and creator ids
// from /proc/sysvipc/shm (the kernel shows them as this process's user namespace maps them: host ids), or another host
// user's attempt to remove it. Only where the engine's host IPC namespace is this process's; elsewhere the host's view
// is not shmlab's to take, and the step is skipped.
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { HostIpcUnreachable } from '../../lab/host-segments.js';
import type { Action, StepOf } from './action.js';

// /proc/sysvipc/shm: key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime ...
const COLUMNS = ['key', 'shmid', 'perms', 'size', 'cpid', 'lpid', 'nattch', 'uid', 'gid', 'cuid', 'cgid'] as const;
const SHOWN = ['shmid', 'perms', 'nattch', 'uid', 'gid', 'cuid', 'cgid'] as const;

const removeCommand = (uid: number, key: string) => ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'ipcrm', '-M', key];

export const hostSegment: Action<StepOf<'host-segment'>> = {
  placeholder: (step) =>
    step.removeAs === undefined
      ? '(shmlab reads /proc/sysvipc/shm on the host: the row of key {hostKey})'
      : `${removeCommand(step.removeAs, '{hostKey}').join(' ')}    # on the host`,
  async perform({ step, state: s, setCommand }) {
    if (s.hostKey === undefined) throw new Error(`step ${step.id}: no host key yet (an exec with {hostKey} makes it first)`);
    const ipc = await s.ctx.hostIpcIsOurs().catch((err: unknown) => {
      if (err instanceof HostIpcUnreachable) return { ours: false, seen: `refused: ${err.words}` };
      throw err;
    });
    if (!ipc.ours) {
      return {
        skipped: `the engine's host IPC namespace is not this process's (its --ipc=host helper: ${ipc.seen}), so the host's view of the segment is not shmlab's to take; the experiment goes on`,
      };
    }
    const key = String(s.hostKey);
    if (step.removeAs !== undefined) {
      const command = removeCommand(step.removeAs, key);
      setCommand(`${command.join(' ')}    # on the host, by shmlab`);
      const out = await execa(command[0]!, command.slice(1), { reject: false });
      return { exitCode: out.exitCode ?? null, stdout: out.stdout ? `${out.stdout}\n` : '', stderr: out.stderr ? `${out.stderr}\n` : '' };
    }
    setCommand(`(shmlab reads /proc/sysvipc/shm on the host: the row of key ${key}, in host ids)`);
    const row = readFileSync('/proc/sysvipc/shm', 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .find((fields) => fields[0] === key);
    if (!row) return { exitCode: 1, stdout: '', stderr: `no segment with key ${key} in the host's IPC namespace\n` };
    const field = Object.fromEntries(COLUMNS.map((name, i) => [name, row[i] ?? '?']));
    return { exitCode: 0, stdout: `key=${key} ${SHOWN.map((name) => `${name}=${field[name]}`).join(' ')}\n`, stderr: '' };
  },
};
