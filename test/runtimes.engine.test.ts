// The runtime axis on real runtimes: Docker 20.10 with crun (in its own mount namespace) and with gVisor 2022, each
// provisioned by shmlab as the matrix does. What gVisor does differently is reported as such, in its own report.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { provisionEngine, stopEngine } from '../src/matrix/engine-provisioner.js';
import { type EngineEntry, readEnginesFile } from '../src/matrix/engines-file.js';
import type { RunResult } from '../src/model/result.js';
import { ROOT } from '../src/paths.js';
import { reportDir, shmlab } from './shmlab-process.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

const entry = (name: string): EngineEntry => readEnginesFile(join(ROOT, 'engines.json')).find((e) => e.name === name)!;
const started: EngineEntry[] = [];

/** What points a run at the engine as the matrix does (its run-options file), and `clean` (DOCKER_HOST). */
async function engine(name: string): Promise<{ args: string[]; env: Record<string, string> }> {
  const e = entry(name);
  const daemon = await provisionEngine(e, () => {});
  if (daemon.startedHere) started.push(e);
  const file = join(tempDir('shmlab-run-options-'), 'run-options.json');
  writeFileSync(file, JSON.stringify({ ...daemon.run, resultFile: join(file, '..', 'result.json') }));
  return { args: ['--run-options', file], env: { DOCKER_HOST: daemon.run.engine.address } };
}

function onlyReport(dir: string): { name: string; run: RunResult } {
  const name = readdirSync(dir).find((f) => f.endsWith('.json'))!;
  return { name, run: JSON.parse(readFileSync(join(dir, name), 'utf8')) };
}

afterAll(async () => {
  for (const e of started) await stopEngine(e);
  await removeTempDirs();
});

describe('Docker 20.10 with crun', () => {
  it('runs as runc does, in a report of its own naming crun, its version and the host workaround', async () => {
    const { args } = await engine('docker-20.10-crun');
    const dir = reportDir();
    const run = await shmlab(['run', '--only', 'sysv-restart,privileged-not-persisted,procsys-readonly', '--report-dir', dir, ...args]);
    expect(run.exitCode, run.all).toBe(0);
    const { name, run: report } = onlyReport(dir);
    expect(name).toMatch(/^docker-20\.10\.\d+\S*-crun-1\.8\.\d+\.json$/);
    expect(report.environment.ociRuntime).toMatchObject({ name: 'crun', version: expect.stringMatching(/^1\.8\./) });
    expect(report.environment.workarounds?.join(' ')).toMatch(/private mount namespace without `\/sys\/fs\/cgroup\/unified`/);
    expect(report.environment.containerKernel).toBe(report.environment.kernel);
    expect(report.experiments.map((e) => e.verdict)).toEqual(['as expected', 'as expected', 'as expected']);
  });
});

describe('Docker 20.10 with gVisor (runsc 2022)', () => {
  let env: Record<string, string>;

  it('reports its differences as differences: init-hook included, with what the engine did', async () => {
    const given = await engine('docker-20.10-runsc');
    env = given.env;
    const dir = reportDir();
    const run = await shmlab(['run', '--only', 'init-hook,procsys-readonly,sysctl-flag,sysv-restart', '--report-dir', dir, ...given.args]);
    expect(run.exitCode, run.all).toBe(1);
    const { name, run: report } = onlyReport(dir);
    expect(name).toMatch(/^docker-20\.10\.\d+\S*-runsc-20221219\S*\.json$/);
    expect(report.environment.ociRuntime).toMatchObject({ name: 'runsc', args: expect.arrayContaining(['--network=none']) });
    // The sandbox's own kernel, not the host's.
    expect(report.environment.containerKernel).toBe('4.4.0');
    expect(report.environment.kernel).not.toBe('4.4.0');
    const verdict = Object.fromEntries(report.experiments.map((e) => [e.slug, e.verdict]));
    expect(verdict).toEqual({ 'init-hook': 'differs', 'procsys-readonly': 'differs', 'sysctl-flag': 'differs', 'sysv-restart': 'as expected' });
    const procsys = report.experiments.find((e) => e.slug === 'procsys-readonly')!;
    expect(procsys.observed).toMatch(/Input\/output error/);
    expect(procsys.observed).not.toMatch(/read-only|writable\?/);
    const hook = report.experiments.find((e) => e.slug === 'init-hook')!;
    expect(hook.differences.length).toBeGreaterThan(0);
  });

  it('shmlab clean says the host segments cannot be listed through it, and finishes the rest', async () => {
    const clean = await shmlab(['clean'], env);
    expect(clean.exitCode, clean.all).toBe(0);
    expect(clean.all).toMatch(/host SysV segments not checked: this engine's containers have no \/proc\/sysvipc\/shm/);
    expect(clean.all).toMatch(/removed \d+ cached image\(s\)/);
  });
});
