// Removing the driver's pods and those killed runs left, against a scripted runtime: a removal that fails stays known
// for the retry, one under way is joined, and what dead runs recorded or labelled is found and removed with its traces.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ResourceTracker } from '../lab/resource-tracker.js';
import { cgroupHierarchies, removeEmptyCgroupFolder } from './cgroup-folders.js';
import { dataRoot, removeDataRoot, setup } from './fake-runtime.test.kit.js';

afterEach(removeDataRoot);

describe('pod removal', () => {
  it('cleans up only the pods that the predicate calls stale', async () => {
    const { runtime, driver, run } = setup();
    await run('mine');
    runtime.pods.set('old', {
      config: {
        metadata: { name: 'old', uid: 'u', namespace: 'shmlab', attempt: 0 },
        hostname: '',
        log_directory: '',
        labels: { 'org.shmlab.run': 'dead' },
        linux: {},
      },
      ready: true,
    });
    expect(await driver.cleanupByLabel('org.shmlab.run', (l) => l['org.shmlab.run'] === 'dead')).toEqual({ removed: ['old'], left: [], ended: [] });
    expect([...runtime.pods.keys()]).toEqual(['p1']);
  });

  it('keeps a container it could not remove with its pod known, so that the retry removes the pod', async () => {
    const { runtime, driver, run } = setup();
    const { handle } = await run('a');
    runtime.failingStops = 1;
    await expect(driver.remove(handle)).rejects.toThrow('context deadline exceeded');
    expect(runtime.pods.size).toBe(1);
    await driver.remove(handle);
    expect(runtime.pods.size).toBe(0);
  });

  it('joins a removal under way: cleanup after a remove step a signal abandoned removes the pod, refused by nobody', async () => {
    const { runtime, driver, run } = setup();
    const { handle } = await run('app', { volumes: [{ volume: 'data', target: '/data' }] });
    runtime.removalMs = 50;
    // The remove step's wait, ended by a signal: its call goes on while the run cleans up.
    const abandoned = driver.remove(handle);
    const tracker = new ResourceTracker(driver);
    tracker.add('containers', handle);
    expect(await tracker.cleanup()).toEqual([]);
    // Done when cleanup is: the process may exit right after it.
    expect(runtime.pods.size).toBe(0);
    expect(existsSync(join(dataRoot, 'emptydir', 'run-app'))).toBe(false);
    await abandoned;
  });

  it('removes the pods a dead run recorded, listed or not, ending what is left in their cgroups, and says which records are done', async () => {
    const { runtime, driver } = setup();
    const listed = driver.traceOf('dead-1', 'u1');
    const unlisted = driver.traceOf('dead-2', 'u2');
    runtime.pods.set('x1', {
      config: { metadata: { name: 'dead-1', uid: 'u1', namespace: 'shmlab', attempt: 0 }, hostname: '', log_directory: '', labels: {}, linux: {} },
      ready: true,
    });
    for (const folder of [...listed.folders, ...unlisted.folders]) mkdirSync(join(folder, 'x'), { recursive: true });
    // The pod whose RunPodSandbox never returned left a process in its cgroup (as a `runc init` would be).
    const hierarchy = cgroupHierarchies().find((h) => h.endsWith('/pids')) ?? cgroupHierarchies()[0]!;
    const cgroup = join(hierarchy, unlisted.cgroupParent, 'ctr');
    mkdirSync(cgroup, { recursive: true });
    const lost = spawn('sleep', ['600'], { stdio: 'ignore' });
    writeFileSync(join(cgroup, 'cgroup.procs'), String(lost.pid));
    const exited = new Promise((r) => lost.on('exit', r));
    // And one killed right after its record was written: nothing of it to remove, its record goes all the same.
    const never = driver.traceOf('dead-3', 'u3');
    const recorded = [listed, unlisted, never].map((trace, i) => ({ runtime: 'unix:///fake.sock', name: `dead-${i + 1}`, uid: `u${i + 1}`, ...trace }));
    expect(await driver.removeRecordedPods(recorded)).toEqual({
      removed: ['dead-1', 'dead-2'],
      left: [],
      ended: [`sleep 600 (pid ${lost.pid})`],
      done: ['u1', 'u2', 'u3'],
    });
    await exited;
    expect(runtime.calls).toEqual(['stopp x1', 'rmp x1']);
    expect([...listed.folders, ...unlisted.folders, cgroup, join(hierarchy, unlisted.cgroupParent)].filter(existsSync)).toEqual([]);
    removeEmptyCgroupFolder(`/shmlab-unit-${process.pid}`);
  });
});
