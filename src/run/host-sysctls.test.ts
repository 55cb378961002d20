// The host's sysctls, changed for a moment, are put back exactly: at the end, at the process's exit (a second signal
// exits at once), and after a SIGKILL by whoever comes next. These change this host's values for a moment, as the
// experiment does.

import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test/temp-dirs.js';
import { ROOT } from '../paths.js';
import { changeHostSysctls, readHostSysctl, restoreAfterKilledRuns } from './host-sysctls.js';
import { ProcessLease } from './process-lease.js';

const KEYS = ['kernel.msgmni', 'kernel.sem'];
const NEW = { 'kernel.msgmni': '1031', 'kernel.sem': '251 32001 101 257' };
const now = () => KEYS.map(readHostSysctl);

afterAll(removeTempDirs);

/** A process that changes the host's values, says so, then ends as `end` says. */
function changer(folder: string, end: string) {
  const script = `
    const { ProcessLease } = await import(${JSON.stringify(join(ROOT, 'dist/src/run/process-lease.js'))});
    const { changeHostSysctls } = await import(${JSON.stringify(join(ROOT, 'dist/src/run/host-sysctls.js'))});
    const lease = new ProcessLease(${JSON.stringify(folder)});
    await lease.acquire();
    await changeHostSysctls(${JSON.stringify(NEW)}, lease);
    console.log('changed');
    ${end}`;
  return execa('node', ['--input-type=module', '-e', script], { reject: false });
}

describe("the host's sysctls", () => {
  it('are changed, then put back exactly', async () => {
    const before = now();
    const lease = new ProcessLease(join(tempDir('shmlab-runtime-'), 'leases'));
    await lease.acquire();
    const change = await changeHostSysctls(NEW, lease);
    expect(now()).toEqual(['1031', '251 32001 101 257']);
    expect(change.changed['kernel.msgmni']).toEqual([before[0], '1031']);
    change.restore();
    expect(now()).toEqual(before);
    lease.release();
  });

  it('are put back at the exit of a process that exits at once (a second signal)', async () => {
    const before = now();
    const child = changer(join(tempDir('shmlab-runtime-'), 'leases'), 'process.exit(130);');
    const result = await child;
    expect({ out: result.stdout, code: result.exitCode }).toEqual({ out: 'changed', code: 130 });
    expect(now()).toEqual(before);
  });

  it('are put back after a SIGKILL, by whoever comes next, from what the lease recorded first', async () => {
    const before = now();
    const folder = join(tempDir('shmlab-runtime-'), 'leases');
    const child = changer(folder, 'setInterval(() => {}, 1000);');
    await new Promise<void>((resolve) => child.stdout!.on('data', () => resolve()));
    child.kill('SIGKILL');
    await child;
    expect(now()).toEqual(['1031', '251 32001 101 257']);
    expect(restoreAfterKilledRuns(folder)).toHaveLength(1);
    expect(now()).toEqual(before);
    expect(restoreAfterKilledRuns(folder)).toEqual([]);
  });
});
