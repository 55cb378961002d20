// Shims are found by the daemon socket in their command line, told orphaned by their bundle being gone, and ended by
// pid with what they still run; a stand-in shim (a shell named like one) plays the part.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test/temp-dirs.js';
import { childrenOf, endProcesses, orphanShims, shimsOf } from './node-processes.js';

afterAll(removeTempDirs);

/** A process that looks like containerd's shim of task `id` for the daemon at `socket`, working in `bundle`, with a child. */
function standInShim(socket: string, id: string, bundle: string) {
  mkdirSync(bundle, { recursive: true });
  const shim = spawn('bash', ['-c', `exec -a containerd-shim-runc-v2 sh -c 'sleep 600 & wait' -namespace k8s.io -id ${id} -address ${socket}`], {
    cwd: bundle,
    stdio: 'ignore',
  });
  return { shim, exited: new Promise((r) => shim.on('exit', r)) };
}

const comm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

const until = async (what: string, check: () => boolean) => {
  for (const deadline = Date.now() + 10_000; !check(); await new Promise((r) => setTimeout(r, 20)))
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
};

describe('shims of a daemon', () => {
  it("are found by the daemon's socket; one whose bundle is gone is an orphan, ended by pid with its children", async () => {
    const dir = tempDir('shmlab-shims-');
    const socket = join(dir, 'containerd.sock');
    const kept = standInShim(socket, 'kept', join(dir, 'task', 'kept'));
    const orphan = standInShim(socket, 'orphan', join(dir, 'task', 'orphan'));
    const other = standInShim(join(dir, 'other.sock'), 'other', join(dir, 'task', 'other'));
    try {
      // Each has forked its child, and the child is `sleep` already (a fork is a copy of the stand-in until it execs).
      const settled = ({ shim }: typeof kept) => childrenOf(shim.pid!).some((c) => comm(c) === 'sleep');
      await until('the stand-in shims and their children', () => [kept, orphan, other].every(settled));
      expect(
        shimsOf(socket)
          .map((s) => s.id)
          .sort(),
      ).toEqual(['kept', 'orphan']);
      expect(orphanShims(socket)).toEqual([]);
      // The runtime removes a task's bundle once it is done with it.
      rmSync(join(dir, 'task', 'orphan'), { recursive: true });
      expect(orphanShims(socket)).toEqual([{ pid: orphan.shim.pid, id: 'orphan', bundle: undefined }]);
      const children = childrenOf(orphan.shim.pid!);
      expect(children).toHaveLength(1);
      expect(await endProcesses([...children, orphan.shim.pid!])).toEqual([]);
      await orphan.exited;
      expect(shimsOf(socket).map((s) => s.id)).toEqual(['kept']);
    } finally {
      await endProcesses([kept, orphan, other].flatMap(({ shim }) => [...childrenOf(shim.pid!), shim.pid!]));
      await Promise.all([kept.exited, other.exited]);
    }
  });
});
