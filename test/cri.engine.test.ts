// Every experiment on a Kubernetes node runtime, driven over CRI as the kubelet drives it: shmlab's own containerd
// 1.6 (Debian 12's), one test per experiment, then what a run leaves on the node (nothing: checked on the node itself,
// not only in the runtime's listing), what a killed or twice-interrupted run leaves (all of it found and removed by
// `clean`), and, once the daemon is stopped, no shim of it left running.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, EXPERIMENTS } from '../experiments/index.js';
import { CRI_DATA, containerdLayout } from '../src/cri/containerd-config.js';
import { provisionContainerd, stopContainerd } from '../src/cri/containerd-provisioner.js';
import { CriClient } from '../src/cri/cri-client.js';
import { childrenOf, describeProcess, endProcesses, shimsOf } from '../src/cri/node-processes.js';
import { LABEL } from '../src/labels.js';
import type { Experiment } from '../src/model/experiment.js';
import { lacking } from '../src/model/family.js';
import type { RunResult } from '../src/model/result.js';
import { writeReport } from '../src/report/write-report.js';
import { runLab } from '../src/run/lab-runner.js';
import { listedPods, type NodeState, nothingOn as nothing, nodeState as stateOf } from './cri-node.js';
import { reportDir, shmlab, until } from './shmlab-process.js';
import { removeTempDirs } from './temp-dirs.js';

const ENGINE = 'containerd-1.6';
let env: Record<string, string>;
let startedHere = false;
let socket = '';
let run: RunResult;

const nodeState = (): Promise<NodeState> => stateOf(ENGINE, env.CONTAINER_RUNTIME_ENDPOINT!);
const podsUp = async (count: number) => (await listedPods(env.CONTAINER_RUNTIME_ENDPOINT!)).length >= count;
const podStates = async () => {
  const client = new CriClient(env.CONTAINER_RUNTIME_ENDPOINT!, 10_000);
  try {
    return (await client.listPodSandbox()).filter((p) => LABEL in p.labels).map((p) => p.state);
  } catch {
    return [];
  } finally {
    client.close();
  }
};

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
  const daemon = await provisionContainerd({ name: ENGINE, from: 'bookworm' }, (line) => console.log(`shmlab: ${line}`));
  startedHere = daemon.startedHere;
  socket = daemon.layout.socket;
  env = { CONTAINER_RUNTIME_ENDPOINT: daemon.address, SHMLAB_CTR: daemon.bin.ctr };
  Object.assign(process.env, env);
  run = await runLab(picked.length ? picked : [...EXPERIMENTS], { say: (line) => console.log(`shmlab: ${line}`), images: CATALOG.images });
  writeReport(run, CATALOG, process.env.SHMLAB_REPORT_DIR ?? reportDir());
}, 600_000);

afterAll(async () => {
  try {
    if (!startedHere) return;
    // With every pod removed, a shim still running once the runtime has had a moment to shut it down is a leak; so
    // is one that outlives its daemon (ended here by pid).
    await until("the last pods' shims to exit", () => shimsOf(socket).length === 0, 5000).catch(() => undefined);
    const before = shimsOf(socket).map((s) => describeProcess(s.pid));
    const stopping: string[] = [];
    await stopContainerd(ENGINE, 30_000, (line) => stopping.push(line));
    const after = shimsOf(socket);
    await endProcesses(after.flatMap((s) => [...childrenOf(s.pid), s.pid]));
    expect({ before, stopping, after: after.map((s) => describeProcess(s.pid)) }).toEqual({ before: [], stopping: [], after: [] });
  } finally {
    removeTempDirs();
  }
});

describe.each(EXPERIMENTS.map((e) => [e.slug, e] as const))('%s on CRI', (slug, experiment) => {
  it(slug, () => {
    const result = run.experiments.find((r) => r.slug === slug);
    expect(result, `${slug} did not run`).toBeDefined();
    // containerd 1.6's Status lists no runtime handlers: a kubelet creates no user-namespaced pod on it.
    const noUserns = experiment.requires?.includes('user-namespaces');
    const expected = lacking('cri', experiment.requires) || noUserns ? 'not applicable' : 'as expected';
    if (noUserns)
      expect(result!.observed).toMatch(
        /^a kubelet \(Kubernetes 1\.30\+\) does not create a pod with hostUsers: false on this node \(`the handler "" is not known`\)/,
      );
    expect({ verdict: result!.verdict, error: result!.error, differences: result!.differences }).toEqual({
      verdict: expected,
      error: undefined,
      differences: [],
    });
  });
});

describe('on the node after a CRI run', () => {
  it('leaves no pod, container, emptyDir or log folder, cgroup folder, mount, process or shim', async () => {
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
    const result = (await runLab([wrong], { say: () => {}, images: CATALOG.images })).experiments[0]!;
    expect(result.verdict).toBe('differs');
    expect(result.differences[0]?.detail).toMatch(/^exit code: expected 10, got 0/);
    const state = await nodeState();
    expect(state).toEqual(nothing(state));
  });

  // Interrupted where a pod's sandbox is in the middle of a change: the kubelet's part is shmlab's to undo.
  const pid = () => readFileSync(containerdLayout(ENGINE).pidFile, 'utf8');
  let before = '';
  it.each([
    [
      'while its pod has a dead sandbox (killed, not yet re-created)',
      'pod-sandbox-recreated',
      'a sandbox not ready',
      () => podStates().then((s) => s.includes('SANDBOX_NOTREADY')),
    ],
    ['while the runtime restarts under its pod', 'pod-runtime-restart', 'the runtime to be restarted', () => pid() !== before],
  ] as const)('a run interrupted %s cleans up after itself', async (_when, slug, what, reached) => {
    before = pid();
    const cli = shmlab(['run', '--only', slug, '--report-dir', reportDir()], env);
    await until(what, reached, 60_000);
    cli.kill('SIGINT');
    const result = await cli;
    expect(result.exitCode, result.all).toBe(130);
    const state = await nodeState();
    expect(state).toEqual(nothing(state));
  });

  it('an interrupted CRI run cleans up after itself', async () => {
    const cli = shmlab(['run', '--only', 'ipc-shareable,kill-restart,mmap-recreate', '--report-dir', reportDir()], env);
    await until('pods of the run', () => podsUp(2), 60_000);
    cli.kill('SIGINT');
    const result = await cli;
    expect(result.exitCode, result.all).toBe(130);
    const state = await nodeState();
    expect(state).toEqual(nothing(state));
  });
});

/** Pod log folders under the runtime's data: the first thing shmlab makes for a pod, right before RunPodSandbox. */
const podFolders = () => {
  const dir = join(CRI_DATA, ENGINE, 'pods');
  return existsSync(dir) ? readdirSync(dir) : [];
};

const shmlabSegments = () =>
  readFileSync('/proc/sysvipc/shm', 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() && Number(l.trim().split(/\s+/)[0]) >>> 16 === 0x5d1a);

describe('what a run that could not clean up leaves, clean finds and removes', () => {
  const LONG = 'ipc-host,mmap-recreate,ipc-shareable,kill-restart';

  it.each([
    ['SIGKILL while its first pod is being created', 'first-pod'],
    ['SIGKILL a few seconds in, with pods up', 'pods-up'],
    ['two SIGINTs 0.3 s apart, with pods up', 'twice'],
  ] as const)('%s: clean removes all of it, says so, then says nothing else is left', async (_, when) => {
    const cli = shmlab(['run', '--only', LONG, '--report-dir', reportDir()], env);
    if (when === 'first-pod') {
      // The pod is recorded, its log folder made, and RunPodSandbox asked for: killed before the answer can arrive.
      await until('a pod being created', () => podFolders().length > 0, 60_000);
      cli.kill('SIGKILL');
    } else {
      await until('pods of the run', () => podsUp(2), 60_000);
      await new Promise((r) => setTimeout(r, 1000));
      cli.kill(when === 'twice' ? 'SIGINT' : 'SIGKILL');
      if (when === 'twice') {
        await new Promise((r) => setTimeout(r, 300));
        cli.kill('SIGINT');
      }
    }
    const result = await cli;
    if (when === 'twice') expect(result.stderr, result.all).toContain('shmlab: SIGINT again: exiting now, without cleaning up');
    const left = await nodeState();
    if (when === 'first-pod') expect(left, 'a killed run leaves something for clean to find').not.toEqual(nothing(left));
    if (when === 'pods-up') expect(left.pods?.length, 'a killed run leaves its pods').toBeGreaterThan(0);

    const clean = await shmlab(['clean'], env);
    expect(clean.exitCode, clean.all).toBe(0);
    // Found by what the killed run recorded before it asked for them.
    if (left.pods?.length) expect(clean.stdout).toMatch(/removed \d+ pod\(s\) a killed run had recorded, with what was made for them: shmlab-/);
    const state = await nodeState();
    expect(state).toEqual(nothing(state));
    expect(shmlabSegments()).toEqual([]);
    // Every kind checked, nothing found: only then is a clean node claimed.
    const again = await shmlab(['clean'], env);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/^shmlab: checked pods and containers the runtime lists, .*, host SysV segments: nothing else was left behind$/m);
    expect(again.stdout.split('\n').filter((l) => l && !/removed \d+ cached image|nothing else was left behind/.test(l))).toEqual([]);
  });
});
