// The fleet image, run here as a cluster's nodes would run it: (1) on the Docker engine under test, its socket mounted,
// as the manifests' Docker-socket pod; (2) as the Job's pod through CRI on containerd 1.6 and 2.1, shmlab making the
// pod in the kubelet's place. Each run's report (from its log) is compared, experiment by experiment, with a direct run
// against the same engine; then the logs are gathered as `shmlab fleet gather` gathers a cluster's.

import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { execa } from 'execa';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRI_DATA } from '../src/cri/containerd-config.js';
import { provisionContainerd, stopContainerd } from '../src/cri/containerd-provisioner.js';
import { CriClient } from '../src/cri/cri-client.js';
import { describeProcess, endProcesses, orphanShims } from '../src/cri/node-processes.js';
import { ensurePauseImage } from '../src/cri/pause-image.js';
import { demux } from '../src/docker/demux.js';
import { resolveEngineAddress } from '../src/docker/docker-address.js';
import { decodeReportBlocks } from '../src/fleet/log-block.js';
import { buildManifests } from '../src/fleet/manifests.js';
import { fleetExperiments } from '../src/fleet/pod-command.js';
import { processLease } from '../src/lab/process-lease.js';
import { nodeState, nothingOn } from './cri-node.js';
import { engineState, leftovers, NOTHING_LEFT } from './engine-state.js';
import { verdictCells } from './fleet/matrix-cells.js';
import { standInApi } from './fleet/stand-in-api.js';
import { criPodOf, dockerContainerOf } from './fleet-kubelet.js';
import { shmlab, until } from './shmlab-process.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

interface Report {
  experiments: { slug: string; verdict: string; reason?: string; observed?: string }[];
  environment: { details?: string[] };
}

let archive = '';
let reference = '';
/** Each run's log, by the node name its pod was given: what `gather` reads from a cluster. */
const logs: Record<string, string> = {};
/** Each direct run's JSON report, by the same node name. */
const directs: Record<string, string> = {};

beforeAll(async () => {
  const dir = tempDir('shmlab-fleet-image-');
  archive = join(dir, 'shmlab-fleet.tar');
  // The README's command.
  const built = await shmlab(['fleet', 'image', '--out', archive]);
  expect(built.exitCode, built.all).toBe(0);
  reference = built.stdout.trim().split('\n').pop()!;
  expect(reference).toMatch(/^localhost\/shmlab\/fleet:[0-9a-f]{12}$/);
}, 300_000);

afterAll(() => removeTempDirs());

function templateOf(socket: 'containerd' | 'docker', node: string): IPodTemplateSpec {
  const job = buildManifests({ image: reference, node, socket }).find((o) => o.kind === 'Job') as { spec: { template: IPodTemplateSpec } };
  return job.spec.template;
}

function reportOf(log: string): Report {
  const blocks = decodeReportBlocks(log).filter((b) => b.name.endsWith('.json'));
  expect(blocks.length, log.slice(-3000)).toBe(1);
  return JSON.parse(blocks[0]!.json) as Report;
}

async function directRun(node: string, env: Record<string, string>, args: string[]): Promise<Report> {
  const dir = tempDir('shmlab-fleet-direct-');
  const run = await shmlab(['run', ...args, '--only', fleetExperiments().only.join(','), '--report-dir', dir], env);
  const json = readdirJson(dir);
  expect(json, run.all).toBeDefined();
  directs[node] = json!;
  return JSON.parse(readFileSync(json!, 'utf8')) as Report;
}

function readdirJson(dir: string): string | undefined {
  const name = readdirSync(dir).find((f) => f.endsWith('.json'));
  return name ? join(dir, name) : undefined;
}

/** Slug → verdict, for the experiments where the two runs differ. */
function differences(pod: Report, direct: Report): Record<string, string> {
  const verdicts = (r: Report) => new Map(r.experiments.map((e) => [e.slug, e.verdict]));
  const [p, d] = [verdicts(pod), verdicts(direct)];
  expect([...p.keys()].sort()).toEqual([...d.keys()].sort());
  return Object.fromEntries([...d].filter(([slug, v]) => p.get(slug) !== v).map(([slug, v]) => [slug, `pod: ${p.get(slug)}, direct: ${v}`]));
}

/** A cell's verdict sign alone (its outcome letter may differ where another cell of the row does). */
const sign = (cell: string) => cell.trim().split(' ')[0]!;

const reasonOf = (r: Report, slug: string) => r.experiments.find((e) => e.slug === slug)?.observed ?? '';

describe('the fleet image on Docker, its socket mounted', () => {
  it('reports what a direct run reports, but the host-sysctl experiment its unprivileged container cannot do', async () => {
    const address = resolveEngineAddress();
    if (!address.socketPath) throw new Error(`the Docker engine under test is at ${address.uri}: the fleet pod mounts a unix socket`);
    const docker = new Dockerode({ socketPath: address.socketPath });
    const reports = tempDir('shmlab-fleet-reports-');
    await new Promise<void>((resolve, reject) =>
      docker.loadImage(createReadStream(archive), (err: Error | null, stream: NodeJS.ReadableStream) =>
        err ? reject(err) : docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve())),
      ),
    );
    const before = await engineState();
    const name = `shmlab-fleet-${randomUUID().slice(0, 8)}`;
    try {
      const options = dockerContainerOf(templateOf('docker', 'docker-node'), {
        hostPaths: { '/var/run/docker.sock': address.socketPath, '/var/lib/shmlab/fleet-reports': reports },
        node: 'docker-node',
        image: reference,
      });
      const container = await docker.createContainer({ ...options, name });
      await container.start();
      // A run that hangs is ended here, not left running beside the next tests.
      const exit = (await Promise.race([container.wait(), new Promise((r) => setTimeout(() => r({ StatusCode: 'timed out' }), 420_000))])) as {
        StatusCode: number | string;
      };
      const { stdout, stderr } = demux(await container.logs({ stdout: true, stderr: true }));
      logs['docker-node'] = `${stdout}${stderr}`;
      expect(exit.StatusCode, logs['docker-node'].slice(-3000)).toBe(0);
    } finally {
      await docker
        .getContainer(name)
        .remove({ force: true })
        .catch(() => undefined);
      await docker.getImage(reference).remove();
    }
    // What the pod's run made on the engine is gone: containers, volumes, committed images, host segments.
    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
    const pod = reportOf(logs['docker-node']!);
    expect(pod.environment.details).toContain('Node: docker-node');
    expect(existsSync(reports) && readdirJson(reports)).toBeTruthy();
    const direct = await directRun('docker-node', {}, []);
    expect(differences(pod, direct)).toEqual({ 'host-sysctl-not-inherited': 'pod: not applicable, direct: as expected' });
    expect(reasonOf(pod, 'host-sysctl-not-inherited')).toMatch(/cannot write \/proc\/sys\/kernel\/shmmax/);
  }, 600_000);
});

describe.each([
  { name: 'containerd-1.6', from: 'bookworm' },
  { name: 'containerd-2.1', from: 'sid' },
])('the fleet image as the Job pod on $name, shmlab in the kubelet place', (engine) => {
  it('reports what a direct run reports, but the runtime restart it may do only to a containerd it started', async () => {
    const daemon = await provisionContainerd(engine, (line) => console.log(`shmlab: ${line}`));
    const stop = () => (daemon.startedHere ? stopContainerd(engine.name) : Promise.resolve(false));
    const client = new CriClient(daemon.address, 60_000);
    const node = `node-${engine.name.replace('.', '-')}`;
    const reports = tempDir('shmlab-fleet-reports-');
    const logDirectory = tempDir('shmlab-fleet-podlog-');
    let shared = { undo: () => {} };
    try {
      // A node's / is a shared mount (systemd's default); a Bidirectional mount needs one. This host's is private.
      shared = sharedMount(CRI_DATA);
      // A node holds its sandbox image before any pod (the kubelet's pause image, pulled ahead); shmlab's containerd is
      // configured with shmlab's own, which its runs import and keep: not there yet when no run came before this one.
      await ensurePauseImage({ client, ctr: daemon.bin.ctr, socket: daemon.layout.socket, lease: (await processLease()).id });
      await execa(daemon.bin.ctr, ['-a', daemon.layout.socket, '-n', 'k8s.io', 'images', 'import', archive]);
      const image = (await client.imageStatus(reference))?.id;
      expect(image).toBeDefined();
      const { sandbox, container } = criPodOf(templateOf('containerd', node), {
        hostPaths: { '/run/containerd/containerd.sock': daemon.layout.socket, '/var/lib/shmlab/fleet-reports': reports },
        node,
        image: image!,
        uid: randomUUID(),
        logDirectory,
      });
      const pod = await client.runPodSandbox(sandbox);
      try {
        const id = await client.createContainer(pod, container, sandbox);
        await client.startContainer(id);
        const deadline = Date.now() + 480_000;
        let state = (await client.containerStatus(id)).status;
        while (state.state !== 'CONTAINER_EXITED' && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1000));
          state = (await client.containerStatus(id)).status;
        }
        logs[node] = readFileSync(join(logDirectory, container.log_path!), 'utf8');
        expect(state.exit_code, logs[node]!.slice(-3000)).toBe(0);
      } finally {
        // Each step whatever the one before did: the pod, the image and the shim all go.
        await client.stopPodSandbox(pod).catch(() => undefined);
        await client.removePodSandbox(pod);
        await client.removeImage(image!);
        await endOrphanShim(daemon.layout.socket, pod);
      }
      const report = reportOf(logs[node]!);
      expect(report.environment.details).toContain(`Node: ${node}`);
      // What the pod's run made on the node is gone (its pods are named for the engine it found: containerd).
      expect(await nodeState('containerd', daemon.address)).toEqual(nothingOn(await nodeState('containerd', daemon.address)));
      const direct = await directRun(node, { SHMLAB_CTR: daemon.bin.ctr }, ['--engine', `cri=${daemon.address}`]);
      expect(differences(report, direct)).toEqual({ 'pod-runtime-restart': 'pod: not applicable, direct: as expected' });
      expect(reasonOf(report, 'pod-runtime-restart')).toMatch(/started outside shmlab/);
    } finally {
      await client.removeImage(reference).catch(() => undefined);
      shared.undo();
      client.close();
      await stop();
    }
  }, 900_000);
});

describe('fleet gather, from the logs of those runs', () => {
  it("writes each node report as its pod printed it, and a matrix whose verdicts are the direct runs' but the three cells above", async () => {
    const nodes = Object.keys(logs).sort();
    expect(nodes).toEqual(['docker-node', 'node-containerd-1-6', 'node-containerd-2-1']);
    // The CRI nodes' logs as containerd wrote them (the kubelet would strip the prefixes); Docker's as its API gives it.
    const api = await standInApi({
      shmlab: nodes.map((node) => ({
        name: `shmlab-${node}`,
        node,
        phase: 'Succeeded',
        container: { state: { terminated: { exitCode: 0 } } },
        log: logs[node]!,
      })),
    });
    const dir = tempDir('shmlab-fleet-gather-');
    try {
      const out = join(dir, 'fleet');
      const gathered = await shmlab(['fleet', 'gather', '--kubeconfig', api.kubeconfig(dir), '--out', out]);
      expect(gathered.exitCode, gathered.all).toBe(0);
      for (const node of nodes) {
        expect(JSON.parse(readFileSync(join(out, `${node}.json`), 'utf8'))).toEqual(reportOf(logs[node]!));
        expect(existsSync(join(out, `${node}.md`))).toBe(true);
      }
      const compared = join(dir, 'direct.md');
      const direct = await shmlab(['compare', ...nodes.map((n) => directs[n]!), '--out', compared]);
      expect(direct.exitCode, direct.all).toBe(0);
      const [fleetMatrix, directMatrix] = [readFileSync(join(out, 'matrix.md'), 'utf8'), readFileSync(compared, 'utf8')];
      const differing: string[] = [];
      for (const slug of fleetExperiments().only) {
        const [f, d] = [verdictCells(fleetMatrix, slug).map(sign), verdictCells(directMatrix, slug).map(sign)];
        expect(f).toHaveLength(nodes.length);
        f.forEach((sign, i) => {
          if (sign !== d[i]) differing.push(`${slug} on ${nodes[i]}: ${sign} (direct ${d[i]})`);
        });
      }
      expect(differing).toEqual(
        [
          'pod-runtime-restart on node-containerd-1-6: ➖ (direct ✅)',
          'pod-runtime-restart on node-containerd-2-1: ➖ (direct ✅)',
          'host-sysctl-not-inherited on docker-node: ➖ (direct ✅)',
        ].sort((a, b) => fleetExperiments().only.indexOf(a.split(' ')[0]!) - fleetExperiments().only.indexOf(b.split(' ')[0]!)),
      );
    } finally {
      await api.close();
    }
  }, 120_000);
});

/**
 * containerd 2.1 leaves the shim of a host-PID sandbox running once the pod is removed (its bundle gone, no process
 * of its own): the kubelet's place is shmlab's here, so it ends it by pid, as `shmlab clean` ends such shims.
 */
async function endOrphanShim(socket: string, pod: string): Promise<void> {
  await until('the fleet pod shim to exit', () => !orphanShims(socket).some((s) => s.id === pod), 5000).catch(() => undefined);
  const left = orphanShims(socket).filter((s) => s.id === pod);
  if (!left.length) return;
  console.log(`shmlab: the runtime left the fleet pod's shim (${left.map((s) => describeProcess(s.pid)).join(', ')}); ending it by pid`);
  expect(await endProcesses(left.map((s) => s.pid))).toEqual([]);
}

/** Binds `dir` on itself as a shared mount unless it is one already; undo() takes back only what was done here. */
function sharedMount(dir: string): { undo: () => void } {
  mkdirSync(dir, { recursive: true });
  const line = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === dir);
  if (line?.includes(' shared:')) return { undo: () => {} };
  for (const args of [
    ['--bind', dir, dir],
    ['--make-shared', dir],
  ]) {
    const done = spawnSync('mount', args, { encoding: 'utf8' });
    if (done.status !== 0) throw new Error(`mount ${args.join(' ')}: ${done.stderr}`);
  }
  return {
    undo: () => {
      const done = spawnSync('umount', [dir], { encoding: 'utf8' });
      if (done.status !== 0) throw new Error(`umount ${dir}: ${done.stderr}`);
    },
  };
}
