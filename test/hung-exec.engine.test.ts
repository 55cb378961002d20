// An engine that never answers an exec (as a crashed gVisor sandbox left `docker exec` waiting): the step ends as an
// error at its deadline and the run goes on to its report; a signal during the wait ends the run within seconds.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../src/model/result.js';
import { type EngineState, engineState, leftovers, NOTHING_LEFT } from './engine-state.js';
import { type HoldingProxy, holdingProxy } from './holding-proxy.js';
import { CLI, reportDir, shmlab, until } from './shmlab-process.js';
import { removeTempDirs } from './temp-dirs.js';

const ENGINE_SOCKET = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
const isExecStart = (req: { method?: string; url?: string }) => req.method === 'POST' && /\/exec\/[^/]+\/start/.test(req.url ?? '');
/** Holds every exec start but the first (the run's kernel probe), so that an experiment's step is what waits. */
function afterTheProbe(): (req: { method?: string; url?: string }) => boolean {
  let passed = 0;
  return (req) => isExecStart(req) && passed++ > 0;
}

const reportOf = (dir: string): RunResult => JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!), 'utf8'));

describe('an exec the engine never answers', () => {
  let proxy: HoldingProxy;
  let hold = afterTheProbe();
  let before: EngineState;

  beforeAll(async () => {
    before = await engineState();
    proxy = await holdingProxy(ENGINE_SOCKET, (req) => hold(req));
  });
  afterAll(async () => {
    await proxy.close();
    await removeTempDirs();
  });

  it('is an error at its deadline, with what was waited for; the run writes its report and leaves nothing', async () => {
    hold = afterTheProbe();
    const dir = reportDir();
    const started = Date.now();
    const run = await shmlab(['run', '--only', 'sysv-restart', '--timeout', '3', '--report-dir', dir], { DOCKER_HOST: proxy.address });
    const took = Date.now() - started;
    expect(run.exitCode, run.all).toBe(1);
    const result = reportOf(dir).experiments.find((e) => e.slug === 'sysv-restart')!;
    expect(result.verdict).toBe('error');
    // Its first two steps share one exec, which is given the deadline of two.
    expect(result.error).toMatch(/^write \(docker exec app sysv-write [^)]*\): the engine did not answer \(exec run-steps\) within 6 s/);
    expect(result.observed).toMatch(/not run|engine error/);
    expect(took).toBeLessThan(60_000);
    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
  });

  it('SIGTERM while it waits ends the run within seconds, with the partial report, and cleans up', async () => {
    hold = afterTheProbe();
    const dir = reportDir();
    // No forced kill after the signal: what is measured is how soon shmlab itself ends.
    const child = execa('node', [CLI, 'run', '--only', 'sysv-restart', '--timeout', '120', '--report-dir', dir], {
      reject: false,
      all: true,
      env: { ...process.env, DOCKER_HOST: proxy.address },
      forceKillAfterDelay: false,
    });
    await until("the experiment's first exec held", () => proxy.held() > 0, 90_000);
    await new Promise((r) => setTimeout(r, 500));
    const signalled = Date.now();
    child.kill('SIGTERM');
    const run = await child;
    expect(run.exitCode, run.all).toBe(143);
    expect(Date.now() - signalled).toBeLessThan(20_000);
    const names = readdirSync(dir);
    const partial = names.find((f) => f.endsWith('.partial.json'));
    expect(partial, names.join(', ')).toBeDefined();
    const result = (JSON.parse(readFileSync(join(dir, partial!), 'utf8')) as RunResult).experiments.find((e) => e.slug === 'sysv-restart')!;
    expect(result.verdict).toBe('error');
    expect(result.steps.find((s) => s.id === 'write')?.stderr).toBe('interrupted (SIGTERM) while waiting for the engine');
    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
  });
});
