// Liveness is proven by a held lock, not guessed from a pid: a live lease is alive from any PID namespace, a dead
// one is dead however its pid is reused, and what belongs to neither is judged by age only.

import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test/temp-dirs.js';
import { deadClaims, forgetDeadLeases, forgetPodClaims, leaseLiveness, liveClaims, ProcessLease } from './process-lease.js';

afterAll(removeTempDirs);

describe('process lease', () => {
  it('is alive while held, with its claims visible; dead once let go; unknown where no file is', async () => {
    const folder = tempDir('shmlab-leases-');
    const lease = new ProcessLease(folder);
    await lease.acquire();
    lease.claimImages(['sha256:abc', 'shmlab/lab:1']);
    lease.claimHostKey(0x5d1a0001);
    expect(leaseLiveness(lease.id, folder)).toBe('alive');
    expect(liveClaims(folder)).toEqual([expect.objectContaining({ lease: lease.id, images: ['sha256:abc', 'shmlab/lab:1'], hostKeys: [0x5d1a0001] })]);
    lease.release();
    await new Promise((r) => setTimeout(r, 100));
    expect(leaseLiveness(lease.id, folder)).toBe('dead');
    expect(liveClaims(folder)).toEqual([]);
    expect(leaseLiveness('nosuchlease', folder)).toBe('unknown');
  });

  it('dies with its process, even one killed with SIGKILL', async () => {
    const folder = tempDir('shmlab-leases-');
    const script = `import('${join(process.cwd(), 'dist/src/lab/process-lease.js')}').then(async (m) => { const l = new m.ProcessLease(${JSON.stringify(folder)}); await l.acquire(); console.log(l.id); setInterval(() => {}, 1000); });`;
    const child = execa('node', ['--input-type=module', '-e', script], { reject: false });
    let id = '';
    await new Promise<void>((resolve) =>
      child.stdout!.on('data', (c: Buffer) => {
        id = c.toString().trim();
        resolve();
      }),
    );
    expect(leaseLiveness(id, folder)).toBe('alive');
    child.kill('SIGKILL');
    await child;
    await new Promise((r) => setTimeout(r, 200));
    expect(leaseLiveness(id, folder)).toBe('dead');
  });

  it('forgets dead leases only once they are old', async () => {
    const folder = tempDir('shmlab-leases-');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'old.lease'), '1\n');
    writeFileSync(join(folder, 'young.lease'), '1\n');
    utimesSync(join(folder, 'old.lease'), new Date(0), new Date(0));
    expect(forgetDeadLeases(60_000, folder)).toBe(1);
    expect([existsSync(join(folder, 'old.lease')), existsSync(join(folder, 'young.lease'))]).toEqual([false, true]);
  });

  it('keeps the record of pods it has not removed when it ends (a second signal exits at once), for clean to find', async () => {
    const folder = tempDir('shmlab-leases-');
    const lease = new ProcessLease(folder);
    await lease.acquire();
    const pod = (uid: string) => ({ runtime: 'unix:///r.sock', name: `pod-${uid}`, uid, cgroupParent: `/shmlab/r/pod${uid}`, folders: [`/data/${uid}`] });
    lease.claimPod(pod('a'));
    lease.claimPod(pod('b'));
    lease.releasePod('a');
    expect(liveClaims(folder)).toEqual([expect.objectContaining({ pods: [pod('b')] })]);
    lease.release();
    await new Promise((r) => setTimeout(r, 100));
    expect(deadClaims(folder)).toEqual([expect.objectContaining({ lease: lease.id, pods: [pod('b')] })]);
    // Once clean has removed it, its record goes; the claims without pods are then forgotten like any other.
    forgetPodClaims(lease.id, ['b'], folder);
    expect(deadClaims(folder)).toEqual([expect.not.objectContaining({ pods: expect.anything() })]);
  });

  it('lets its claims go when it ends with every pod removed', async () => {
    const folder = tempDir('shmlab-leases-');
    const lease = new ProcessLease(folder);
    await lease.acquire();
    lease.claimPod({ runtime: 'unix:///r.sock', name: 'p', uid: 'u', cgroupParent: '/shmlab/r/podu', folders: [] });
    lease.releasePod('u');
    lease.release();
    expect(existsSync(lease.claimsFile)).toBe(false);
  });
});
