// `shmlab clean` puts the host back before it asks any engine anything: host sysctls a killed run changed are
// restored even when the engine does not answer (exit 2 all the same, and it says both). This changes the host's
// kernel.msgmni for a moment, under the host-wide lock the runs take for it, and puts it back in any case.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { hostSysctlLock, readHostSysctl, restoreAfterKilledRuns } from '../src/lab/host-sysctls.js';
import { deadClaims } from '../src/lab/process-lease.js';
import { CLI } from './shmlab-process.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

afterAll(removeTempDirs);

const MSGMNI = '/proc/sys/kernel/msgmni';

describe('shmlab clean', () => {
  it("restores the host's sysctls a killed run changed first, even when the engine does not answer", async () => {
    // The lock every run takes to change the host's values: no run changes or records them while this test has them changed.
    const lock = await hostSysctlLock();
    // What a killed process left changed is put back first (as a run does), or it would pass for the original.
    restoreAfterKilledRuns();
    const original = readHostSysctl('kernel.msgmni');
    const changed = String(Number(original) + 7);
    try {
      // A run killed while it had kernel.msgmni changed: its lease (nobody holds its lock) recorded the value to put back.
      const leases = join(tempDir('shmlab-runtime-'), 'leases');
      mkdirSync(leases);
      writeFileSync(join(leases, 'killedrun1.lease'), '1\n');
      const claims = { lease: 'killedrun1', pid: 1, started: Date.now(), images: [], hostKeys: [], hostSysctls: { 'kernel.msgmni': original } };
      writeFileSync(join(leases, 'killedrun1.claims'), JSON.stringify(claims));
      writeFileSync(MSGMNI, changed);
      expect(readHostSysctl('kernel.msgmni')).toBe(changed);

      // A Docker API engine that does not answer (and no CRI runtime named, whatever this process's environment says).
      const { CONTAINER_RUNTIME_ENDPOINT: _, ...env } = process.env;
      const clean = await execa('node', [CLI, 'clean'], {
        reject: false,
        extendEnv: false,
        env: { ...env, DOCKER_HOST: 'unix:///tmp/none.sock', SHMLAB_RUNTIME_DIR: leases },
      });
      expect({ exitCode: clean.exitCode, stderr: clean.stderr }).toEqual({
        exitCode: 2,
        stderr: expect.stringMatching(/^shmlab: The engine at DOCKER_HOST=unix:\/\/\/tmp\/none\.sock does not answer/),
      });
      expect(clean.stdout).toBe(`shmlab: restored the host's kernel.msgmni=${original}, which a killed run had changed`);
      expect(readHostSysctl('kernel.msgmni')).toBe(original);
      expect(deadClaims(leases)).toEqual([expect.not.objectContaining({ hostSysctls: expect.anything() })]);
    } finally {
      writeFileSync(MSGMNI, original);
      lock.kill('SIGTERM');
    }
  });
});
