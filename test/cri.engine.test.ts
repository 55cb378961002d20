// Every experiment on a Kubernetes node runtime, driven over CRI as the kubelet drives it: shmlab's own containerd
// 1.6 (Debian 12's), one test per experiment, then what a run leaves on the node (nothing), and a killed run's pods
// found by their labels.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPERIMENTS } from '../experiments/index.js';
import { cgroupHierarchies } from '../src/cri/cgroup-folders.js';
import { provisionContainerd, stopContainerd } from '../src/cri/containerd-provisioner.js';
import { CRI_DATA } from '../src/cri/cri-lab.js';
import type { Experiment } from '../src/model/experiment.js';
import type { RunResult } from '../src/model/result.js';
import { writeReport } from '../src/report/write-report.js';
import { openLab } from '../src/run/lab.js';
import { runLab } from '../src/run/lab-runner.js';
import { reportDir, shmlab, until } from './shmlab-process.js';
import { removeTempDirs } from './temp-dirs.js';

const ENGINE = 'containerd-1.6';
let env: Record<string, string>;
let startedHere = false;
let run: RunResult;

/** What of shmlab is on the node: pods, containers, emptyDir folders (the lab's inventory), cgroup folders, mounts. */
async function nodeState(): Promise<Record<string, string[]>> {
  const lab = await openLab({ say: () => {}, env });
  try {
    const inventory = await lab.inventory();
    const cgroups = cgroupHierarchies().flatMap((h) => {
      try {
        return readdirSync(`${h}/shmlab/${ENGINE}`)
          .filter((f) => f.startsWith('pod'))
          .map((f) => `${h}/${f}`);
      } catch {
        return [];
      }
    });
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .filter((l) => l.includes(`${CRI_DATA}/${ENGINE}/emptydir`));
    return { ...inventory, 'cgroup folders': cgroups, mounts };
  } finally {
    await lab.close();
  }
}

const nothing = (state: Record<string, string[]>) => Object.fromEntries(Object.keys(state).map((k) => [k, []]));

// biome-ignore lint/correctness/noEmptyPattern: vitest passes the file second and wants a destructuring pattern first.
beforeAll(async ({}, file) => {
  // Only the experiments whose tests -t or .only chose go to the node; none chosen (only the node checks): all of them.
  const chosen = new Set(
    file.tasks
      .flatMap((t) => (t.type === 'suite' ? t.tasks : [t]))
      .filter((t) => t.type === 'test' && t.mode === 'run')
      .map((t) => t.name),
  );
  const picked = EXPERIMENTS.filter((e) => chosen.has(e.slug));
  const daemon = await provisionContainerd(ENGINE, (line) => console.log(`shmlab: ${line}`));
  startedHere = daemon.startedHere;
  env = { CONTAINER_RUNTIME_ENDPOINT: daemon.address, SHMLAB_CTR: daemon.bin.ctr };
  Object.assign(process.env, env);
  run = await runLab(picked.length ? picked : [...EXPERIMENTS], { say: (line) => console.log(`shmlab: ${line}`) });
  writeReport(run, EXPERIMENTS, process.env.SHMLAB_REPORT_DIR ?? reportDir());
}, 600_000);

afterAll(async () => {
  if (startedHere) await stopContainerd(ENGINE);
  removeTempDirs();
});

describe.each(EXPERIMENTS.map((e) => [e.slug, e] as const))('%s on CRI', (slug, experiment) => {
  it(slug, () => {
    const result = run.experiments.find((r) => r.slug === slug);
    expect(result, `${slug} did not run`).toBeDefined();
    const expected = experiment.onlyOn && !experiment.onlyOn.includes('cri') ? 'not applicable' : 'as expected';
    expect({ verdict: result!.verdict, error: result!.error, differences: result!.differences }).toEqual({
      verdict: expected,
      error: undefined,
      differences: [],
    });
  });
});

describe('on the node after a CRI run', () => {
  it('leaves no pod, container, emptyDir folder, cgroup folder or mount', async () => {
    const state = await nodeState();
    expect(state).toEqual(nothing(state));
  });

  it('an experiment that differs leaves nothing either, and says what differed', async () => {
    const wrong: Experiment = {
      slug: 'test-differs-cri',
      title: 'expects a System V segment to be lost at a kubelet restart (which it is not)',
      section: 'C',
      source: 'test',
      blogSaw: '',
      expectedToday: '',
      explanation: '',
      observe: () => '',
      containers: { app: { volumes: [{ volume: 'data', target: '/data' }] }, host: { ipc: 'host' } },
      steps: [
        { id: 'run', do: 'run', container: 'app' },
        { id: 'run-host', do: 'run', container: 'host' },
        { id: 'host-write', do: 'exec', container: 'host', cmd: ['sysv-write', '--key', '{hostKey}'] },
        { id: 'write', do: 'exec', container: 'app', cmd: ['sysv-write', '--key', '5678'] },
        { id: 'stop', do: 'stop', container: 'app' },
        { id: 'start', do: 'start', container: 'app' },
        { id: 'read', do: 'exec', container: 'app', cmd: ['sysv-read', '--key', '5678'] },
      ],
      expect: [{ step: 'read', means: 'lost (which it is not, in a pod)', exitCode: 10 }],
    };
    const result = (await runLab([wrong], { say: () => {} })).experiments[0]!;
    expect(result.verdict).toBe('differs');
    expect(result.differences[0]?.detail).toMatch(/^exit code: expected 10, got 0/);
    const state = await nodeState();
    expect(state).toEqual(nothing(state));
  });

  it('a run killed mid-run leaves pods that clean finds by label and removes, host keys included', async () => {
    const cli = shmlab(['run', '--only', 'ipc-host,mmap-recreate,ipc-shareable', '--report-dir', reportDir()], env);
    await until('pods of the run', async () => (await nodeState()).pods!.length >= 2, 60_000);
    cli.kill('SIGKILL');
    await cli;
    expect((await nodeState()).pods!.length).toBeGreaterThan(0);
    const clean = await shmlab(['clean'], env);
    expect(clean.exitCode, clean.all).toBe(0);
    expect(clean.stdout).toMatch(/removed \d+ pod\(s\) left by an earlier run that did not finish/);
    const state = await nodeState();
    expect(state).toEqual(nothing(state));
    const segments = readFileSync('/proc/sysvipc/shm', 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l.trim() && Number(l.trim().split(/\s+/)[0]) >>> 16 === 0x5d1a);
    expect(segments).toEqual([]);
  });

  it('an interrupted CRI run cleans up after itself', async () => {
    const cli = shmlab(['run', '--only', 'ipc-shareable,kill-restart,mmap-recreate', '--report-dir', reportDir()], env);
    await until('pods of the run', async () => (await nodeState()).pods!.length >= 2, 60_000);
    cli.kill('SIGINT');
    const result = await cli;
    expect(result.exitCode).toBe(130);
    const state = await nodeState();
    expect(state).toEqual(nothing(state));
  });
});
