// What killed runs of this host claimed, as the next run or clean meets it: a probe that fails is said with its words
// and leaves the claims as they are; pods recorded on another runtime are said, and wait for a clean there.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test/temp-dirs.js';
import type { HostIpc } from './host-segments.js';
import type { LeaseClaims } from './process-lease.js';

afterAll(removeTempDirs);

const HELPER = "helper in the host's IPC namespace failed (exit 125): the engine could not start it";
const failing: HostIpc = async () => {
  throw new Error(HELPER);
};

let runtime = '';
beforeAll(() => {
  // Leases, build folders and the cache of this test only: a sweep here must not touch the host's.
  runtime = tempDir('shmlab-runtime-');
  process.env.SHMLAB_RUNTIME_DIR = runtime;
  process.env.SHMLAB_CACHE_DIR = tempDir('shmlab-cache-');
  process.env.TMPDIR = tempDir('shmlab-tmp-');
});

/** The lease files of a process that died with these claims (nobody holds the lock). */
function deadLease(id: string, claims: Partial<LeaseClaims>): string {
  writeFileSync(join(runtime, `${id}.lease`), '1\n');
  const file = join(runtime, `${id}.claims`);
  writeFileSync(file, JSON.stringify({ lease: id, pid: 1, started: Date.now(), images: [], hostKeys: [], ...claims }));
  return file;
}

describe('removeStaleLocal', () => {
  it('says a failed probe with its words, and the keys stay claimed (never "not this host\'s namespace")', async () => {
    const { removeStaleLocal } = await import('./stale-resources.js');
    const { readSweep } = await import('./sweep-lines.js');
    const file = deadLease('deadkeys1', { hostKeys: [0x5d1a1234] });
    const lines = await removeStaleLocal(failing);
    const sweep = readSweep(lines);
    expect(sweep.unchecked).toEqual([
      `1 host SysV segment key(s) a killed run had claimed not checked: could not tell whether this engine's --ipc=host is this host's IPC namespace: ${HELPER}; the keys stay claimed`,
    ]);
    expect(lines.join('\n')).not.toMatch(/is not this host's IPC namespace/);
    expect((JSON.parse(readFileSync(file, 'utf8')) as LeaseClaims).hostKeys).toEqual([0x5d1a1234]);
  });

  it('says which pods a killed run left on another CRI runtime, and keeps their record for a clean there', async () => {
    const { removeStaleLocal } = await import('./stale-resources.js');
    const pod = { runtime: 'unix:///elsewhere/containerd.sock', name: 'shmlab-r1-x-app-1', uid: 'u1', cgroupParent: '/shmlab/x/podu1', folders: [] };
    const file = deadLease('deadpods1', { pods: [pod] });
    const lines = await removeStaleLocal(async () => '', [], 'unix:///here/containerd.sock');
    expect(lines).toContain(
      'left 1 pod(s) a killed run made on the CRI runtime at unix:///elsewhere/containerd.sock: shmlab-r1-x-app-1; a clean there (CONTAINER_RUNTIME_ENDPOINT=unix:///elsewhere/containerd.sock shmlab clean) removes them',
    );
    expect(existsSync(file)).toBe(true);
  });
});
