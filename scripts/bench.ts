// npm run bench [-- --pairs N]: shmlab against the yardstick (bench/yardstick.sh, the same six experiments as a
// plain serial docker CLI script), alternately, warm cache then cold; plus shmlab's peak memory and the full suite.

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import tmp from 'tmp';
import type { RunResult } from '../src/model/result.js';
import { CACHE, ROOT } from '../src/paths.js';
import { busyCpuMs, engineCalls } from './engine-work.js';

const SIX = 'sysv-restart,mmap-restart,shmget-einval,procsys-readonly,privileged-not-persisted,sysctl-flag';
const CLI = join(ROOT, 'dist/src/cli.js');
const YARDSTICK_CACHE = '/tmp/shmlab-yardstick';

interface Sample {
  ms: number;
  rssKb?: number;
  /** The machine's busy CPU time during the run less shmlab's own: the engine's work (ms of one core). */
  engineCpuMs?: number;
  /** shmlab's own CPU time (user + system of its process). */
  ownCpuMs?: number;
  calls?: Record<string, number>;
}

async function timeShmlab(only?: string): Promise<Sample> {
  const dir = tmp.dirSync({ unsafeCleanup: true });
  const stats = join(dir.name, 'stats.json');
  const busy = busyCpuMs();
  const started = performance.now();
  const r = await execa('node', [CLI, 'run', ...(only ? ['--only', only] : []), '--report-dir', dir.name], {
    reject: false,
    env: { ...process.env, SHMLAB_STATS_FILE: stats },
  });
  const ms = performance.now() - started;
  const machine = busyCpuMs() - busy;
  if (r.exitCode !== 0) throw new Error(`shmlab run failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  const own = JSON.parse(readFileSync(stats, 'utf8')) as { maxRssKb: number; cpuMs: number };
  const report = readdirSync(dir.name).find((f) => f.endsWith('.json') && f !== 'stats.json');
  const calls = report ? engineCalls(JSON.parse(readFileSync(join(dir.name, report), 'utf8')) as RunResult) : undefined;
  dir.removeCallback();
  return { ms, rssKb: own.maxRssKb, engineCpuMs: machine - own.cpuMs, ownCpuMs: own.cpuMs, calls };
}

async function timeYardstick(): Promise<Sample> {
  const started = performance.now();
  const r = await execa('bash', [join(ROOT, 'bench/yardstick.sh'), YARDSTICK_CACHE], { reject: false });
  const ms = performance.now() - started;
  if (r.exitCode !== 0) throw new Error(`the yardstick failed (exit ${r.exitCode}): ${r.stderr}`);
  return { ms };
}

// Cold: no compiled programs and no image, for either side.
async function coldShmlab(): Promise<void> {
  rmSync(join(CACHE, 'programs'), { recursive: true, force: true });
  await execa('node', [CLI, 'clean']);
}
async function coldYardstick(): Promise<void> {
  rmSync(YARDSTICK_CACHE, { recursive: true, force: true });
  await execa('docker', ['rmi', '-f', 'shmlab-yardstick:latest'], { reject: false });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function summary(label: string, shmlab: Sample[], script: Sample[]): string {
  const ratios = shmlab.map((s, i) => s.ms / script[i]!.ms);
  const side = (name: string, xs: Sample[]) =>
    `  ${name.padEnd(10)} median ${secs(median(xs.map((x) => x.ms)))}  min ${secs(Math.min(...xs.map((x) => x.ms)))}  max ${secs(Math.max(...xs.map((x) => x.ms)))}`;
  return [
    `${label} (${shmlab.length} pairs)`,
    side('shmlab', shmlab),
    side('script', script),
    `  ratio shmlab/script: median ${median(ratios).toFixed(2)} (pairs: ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
  ].join('\n');
}

// The full run's engine calls by kind, the engine's CPU time, and how close the wall time is to that work spread over
// the cores (1: shmlab waits on nothing but the engine).
function fullRun(full: Sample[]): string {
  const cores = cpus().length;
  const engine = median(full.map((s) => s.engineCpuMs ?? 0));
  const wall = median(full.map((s) => s.ms));
  const calls = full.at(-1)?.calls ?? {};
  const { execSteps, ...byKind } = calls;
  const list = Object.entries(byKind)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return [
    `  engine calls: ${Object.values(byKind).reduce((a, b) => a + b, 0)} (${list}); the ${byKind.exec ?? 0} execs ran ${execSteps ?? 0} exec steps`,
    `  engine CPU (machine busy less shmlab's own): median ${(engine / 1000).toFixed(1)} core-seconds; wall / (engine CPU / ${cores} cores): ${(wall / (engine / cores)).toFixed(2)}`,
    `  shmlab's own CPU: median ${(median(full.map((s) => s.ownCpuMs ?? 0)) / 1000).toFixed(1)} s`,
  ].join('\n');
}

async function pairs(n: number, cold: boolean): Promise<{ shmlab: Sample[]; script: Sample[] }> {
  const shmlab: Sample[] = [];
  const script: Sample[] = [];
  for (let i = 0; i < n; i++) {
    // Alternate which side goes first, so neither always meets a warmer engine.
    const order = i % 2 === 0 ? ['shmlab', 'script'] : ['script', 'shmlab'];
    for (const side of order) {
      if (side === 'shmlab') {
        if (cold) await coldShmlab();
        shmlab.push(await timeShmlab(SIX));
      } else {
        if (cold) await coldYardstick();
        script.push(await timeYardstick());
      }
    }
    process.stderr.write(`  ${cold ? 'cold' : 'warm'} pair ${i + 1}/${n}: shmlab ${secs(shmlab.at(-1)!.ms)}, script ${secs(script.at(-1)!.ms)}\n`);
  }
  return { shmlab, script };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { pairs: { type: 'string', default: '5' } } });
  const n = Number(values.pairs);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected --pairs to be a positive whole number, got ${JSON.stringify(values.pairs)}`);
  const engine = (await execa('docker', ['version', '-f', '{{.Server.Version}}'])).stdout;
  console.log(`bench: shmlab vs bench/yardstick.sh on the six core experiments; engine ${engine}, ${(await execa('nproc')).stdout} cores`);
  process.stderr.write('  warming both caches...\n');
  await timeShmlab(SIX);
  await timeYardstick();
  const warm = await pairs(n, false);
  const cold = await pairs(n, true);
  process.stderr.write('  full suite, warm...\n');
  const full: Sample[] = [];
  for (let i = 0; i < 3; i++) full.push(await timeShmlab());
  const rss = [...warm.shmlab, ...cold.shmlab, ...full].map((s) => s.rssKb ?? 0);
  console.log(summary('warm cache', warm.shmlab, warm.script));
  console.log(summary('cold cache', cold.shmlab, cold.script));
  console.log(`full suite (every experiment), warm: median ${secs(median(full.map((s) => s.ms)))} over ${full.length} runs`);
  console.log(fullRun(full));
  console.log(`shmlab peak memory (max RSS of the process): median ${(median(rss) / 1024).toFixed(0)} MB, max ${(Math.max(...rss) / 1024).toFixed(0)} MB`);
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
