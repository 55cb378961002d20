// `fleet gather` against a stand-in API server: each node's report taken from its pod's log (kubectl's plain,
// timestamped and the CRI log file's format), checked, written by node, and a matrix with a column per node that is
// the matrix of the same reports, plus a column for each node whose pod gave none.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPERIMENTS } from '../../experiments/index.js';
import { ClusterUnavailableError, UsageError } from '../../src/errors.js';
import { gatherCommand, gatherFleet } from '../../src/fleet/gather.js';
import { encodeReportBlock } from '../../src/fleet/log-block.js';
import type { RunResult } from '../../src/model/result.js';
import { ROOT } from '../../src/paths.js';
import { renderMatrix } from '../../src/report/render-matrix.js';
import { removeTempDirs, tempDir } from '../temp-dirs.js';
import { verdictCells } from './matrix-cells.js';
import { type StandInApi, type StandInPod, standInApi } from './stand-in-api.js';

const CLI = join(ROOT, 'dist/src/cli.js');
const committed = (name: string) => readFileSync(join(ROOT, 'reports', name), 'utf8');
const containerdJson = committed('containerd-1.6.20_ds1.json');
const dockerJson = committed('docker-20.10.24+dfsg1.json');
const containerdRun = JSON.parse(containerdJson) as RunResult;
const dockerRun = JSON.parse(dockerJson) as RunResult;

const progress = ['shmlab: run 1a2b3c against unix:///run/containerd/containerd.sock', 'shmlab: [1/32] sysv-restart ✅ as expected (8.1 s)'];
const block = (name: string, json: string) => encodeReportBlock(name, json);

/** The CRI log file's format: a line longer than `split` goes in pieces tagged P, its last piece F. */
function criLog(lines: string[], split = 16 * 1024): string {
  const stamp = '2026-12-01T10:00:00.000000001Z stdout';
  return lines
    .flatMap((line) => {
      const pieces = line.length > split ? (line.match(new RegExp(`[^]{1,${split}}`, 'g')) ?? []) : [line];
      return pieces.map((piece, i) => `${stamp} ${i === pieces.length - 1 ? 'F' : 'P'} ${piece}`);
    })
    .join('\n');
}

/** `kubectl logs --timestamps`: RFC 3339 with nanoseconds, a space, the line. */
const timestamped = (lines: string[]) => lines.map((line, i) => `2026-12-01T10:${String(i % 60).padStart(2, '0')}:00.123456789Z ${line}`).join('\n');

const long = `shmlab: ${'x'.repeat(40_000)}`;
const failedLog = "shmlab: No engine socket is mounted at /run/containerd/containerd.sock or /var/run/docker.sock: mount the node's runtime socket there.\n";

const fleetPods: StandInPod[] = [
  // Listed out of order: the columns go by node name.
  { name: 'shmlab-b2', node: 'node-b', log: `${timestamped([...progress, ...block('docker-20.10.24+dfsg1.json', dockerJson), 'shmlab: done'])}\n` },
  { name: 'shmlab-a1', node: 'node-a', log: `${criLog([...progress, long, ...block('containerd-1.6.20_ds1.json', containerdJson)], 50)}\n` },
  {
    name: 'shmlab-c3',
    node: 'node-c',
    phase: 'Failed',
    container: { state: { terminated: { reason: 'Error', exitCode: 2 } } },
    log: failedLog,
  },
  {
    name: 'shmlab-d4',
    node: 'node-d',
    phase: 'Pending',
    container: { state: { waiting: { reason: 'ContainerCreating' } } },
    log: 400,
    refusal: 'container "shmlab" in pod "shmlab-d4" is waiting to start: ContainerCreating',
  },
  // Not shmlab's: never listed.
  { name: 'other', node: 'node-a', labels: { app: 'other' }, log: 'nothing' },
];

let api: StandInApi;
const dir = tempDir('shmlab-gather-');
const kubeconfig = () => api.kubeconfig(dir);

beforeAll(async () => {
  api = await standInApi({ shmlab: fleetPods, empty: [] });
});
afterAll(async () => {
  await api.close();
  removeTempDirs();
});

const io = () => {
  const lines = { out: [] as string[], err: [] as string[] };
  return { lines, output: { out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) } };
};

describe('fleet gather', () => {
  const out = join(dir, 'fleet');

  it("writes each node's report as the pod printed it, named by node, and the matrix; exit 1 when a node gave none", async () => {
    const { lines, output } = io();
    expect(await gatherCommand({ kubeconfig: kubeconfig(), out }, output)).toBe(1);
    expect(readFileSync(join(out, 'node-a.json'), 'utf8')).toBe(containerdJson);
    expect(readFileSync(join(out, 'node-b.json'), 'utf8')).toBe(dockerJson);
    expect(readFileSync(join(out, 'node-a.md'), 'utf8')).toMatch(/^# shmlab report: containerd 1\.6\.20~ds1/);
    for (const node of ['node-c', 'node-d']) expect(existsSync(join(out, `${node}.json`))).toBe(false);
    expect(lines.out).toContain(`shmlab: node-a: node-a · containerd 1.6.20~ds1 · runc 1.1.5+ds1 · ${containerdRun.environment.kernel}`);
    expect(lines.out.at(-1)).toBe(`shmlab: matrix: ${join(out, 'matrix.md')}`);
    expect(lines.err).toEqual([]);
    // Only the two calls, by label, and each pod's shmlab container.
    expect(
      api.requests.every((r) =>
        /^GET \/api\/v1\/namespaces\/shmlab\/pods(\?labelSelector=app\.kubernetes\.io%2Fname%3Dshmlab%2Capp\.kubernetes\.io%2Fcomponent%21%3Dclean|\/[\w-]+\/log\?container=shmlab)$/.test(
          r,
        ),
      ),
    ).toBe(true);
  });

  it('heads each column with the node, its engine, runtime and kernel, and its verdicts are those of the same reports compared directly', () => {
    const md = readFileSync(join(out, 'matrix.md'), 'utf8');
    const head = md.split('\n').find((l) => l.startsWith('| Experiment |'));
    expect(head).toBe(
      // The kernel is the committed reports' (the machine that ran the last matrix).
      `| Experiment | [node-a · containerd 1.6.20<wbr>~ds1 · runc 1.1.5<wbr>+ds1 · ${containerdRun.environment.kernel}](node-a.md) | [node-b · Docker 20.10.24<wbr>+dfsg1 · runc 1.1.5<wbr>+ds1 · ${JSON.parse(dockerJson).environment.kernel}](node-b.md) | [node-c: no report](#no-report-node-c) | [node-d: no report](#no-report-node-d) |`,
    );
    const direct = renderMatrix([containerdRun, dockerRun], EXPERIMENTS);
    const slugs = EXPERIMENTS.map((e) => e.slug).filter((s) => containerdRun.experiments.some((r) => r.slug === s));
    expect(slugs.length).toBeGreaterThan(20);
    for (const slug of slugs) expect(verdictCells(md, slug)).toEqual([...verdictCells(direct, slug), '—', '—']);
    expect(md).toContain('| **[sysv-restart](#sysv-restart)** | [✅](node-a.md#sysv-restart) kept † | [✅](node-b.md#sysv-restart) lost | — | — |');
  });

  it("says why a node gave no report: the pod's phase and state, and the API's or the log's words", () => {
    const md = readFileSync(join(out, 'matrix.md'), 'utf8');
    expect(md).toContain(
      '- <a name="no-report-node-c"></a>**node-c**: pod Failed (container terminated: Error, exit code 2); no complete report in its log, which ends: `shmlab: No engine socket is mounted at /run/containerd/containerd.sock or /var/run/docker.sock: mount the node\'s runtime socket there.`',
    );
    expect(md).toContain(
      '- <a name="no-report-node-d"></a>**node-d**: pod Pending (container waiting: ContainerCreating); its log could not be read (container "shmlab" in pod "shmlab-d4" is waiting to start: ContainerCreating)',
    );
    expect(md).toContain('No report from [node-c](#no-report-node-c), [node-d](#no-report-node-d): their columns are empty');
  });

  it("takes a restarted container's report from its run before the restart", async () => {
    const restarted = await standInApi({
      shmlab: [
        {
          name: 'shmlab-r',
          node: 'node-r',
          container: { state: { running: {} }, restartCount: 1 },
          log: 'shmlab: run 9z against unix:///run/containerd/containerd.sock\n',
          previousLog: block('containerd-1.6.20_ds1.json', containerdJson).join('\n'),
        },
      ],
    });
    try {
      const { outcomes } = await gatherFleet({ kubeconfig: restarted.kubeconfig(tempDir()), out: tempDir() });
      expect(outcomes.map((o) => [o.node, 'run' in o])).toEqual([['node-r', true]]);
      expect(restarted.requests.at(-1)).toMatch(/\/pods\/shmlab-r\/log\?container=shmlab&previous=true$/);
    } finally {
      await restarted.close();
    }
  });

  it('refuses a report that does not follow the schema, in a sentence naming the node, and writes the others', async () => {
    const bad = JSON.parse(dockerJson);
    bad.experiments[0].verdict = 'passed';
    const corrupt = await standInApi({
      shmlab: [
        { name: 'shmlab-a', node: 'node-a', log: block('containerd-1.6.20_ds1.json', containerdJson).join('\n') },
        { name: 'shmlab-e', node: 'node-e', log: block('docker-20.10.24+dfsg1.json', JSON.stringify(bad)).join('\n') },
      ],
    });
    const where = tempDir();
    try {
      const { lines, output } = io();
      expect(await gatherCommand({ kubeconfig: corrupt.kubeconfig(tempDir()), out: where }, output)).toBe(1);
      expect(lines.err).toEqual([
        'shmlab: node-e: the report docker-20.10.24+dfsg1.json in its log (pod shmlab-e) is not a shmlab report: /experiments/0/verdict must be one of "as expected", "differs", "error", "not applicable" (it is "passed"); it was not written.',
      ]);
      expect(existsSync(join(where, 'node-e.json'))).toBe(false);
      expect(existsSync(join(where, 'node-a.json'))).toBe(true);
      expect(readFileSync(join(where, 'matrix.md'), 'utf8')).toContain('[node-e: no report](#no-report-node-e)');
    } finally {
      await corrupt.close();
    }
  });

  it('says in one sentence that there are no shmlab pods, or that the API server does not answer, naming it', async () => {
    await expect(gatherFleet({ kubeconfig: kubeconfig(), namespace: 'empty', out: tempDir() })).rejects.toThrow(
      new UsageError(
        `No shmlab pods in namespace empty at ${api.url} (none labelled app.kubernetes.io/name=shmlab,app.kubernetes.io/component!=clean): apply the manifests first ("shmlab fleet manifests --image REF | kubectl apply -f -").`,
      ),
    );
    const gone = await standInApi({});
    const config = gone.kubeconfig(tempDir());
    await gone.close();
    const refused = gatherFleet({ kubeconfig: config, out: tempDir() });
    await expect(refused).rejects.toBeInstanceOf(ClusterUnavailableError);
    await expect(refused).rejects.toThrow(new RegExp(`^The Kubernetes API server at ${gone.url} does not answer \\(.*ECONNREFUSED.*\\): check the kubeconfig`));
  });

  it('from the command line: a line per node, the matrix, exit 1 for a node without a report, exit 2 for no pods', async () => {
    const where = tempDir();
    const r = await execa(process.execPath, [CLI, 'fleet', 'gather', '--kubeconfig', kubeconfig(), '--out', where], { reject: false });
    expect({ code: r.exitCode, err: r.stderr }).toEqual({ code: 1, err: '' });
    expect(r.stdout.split('\n').map((l) => l.split(':')[1])).toEqual([' node-a', ' node-b', ' node-c', ' node-d', ' matrix']);
    const none = await execa(process.execPath, [CLI, 'fleet', 'gather', '--kubeconfig', kubeconfig(), '--namespace', 'empty', '--out', where], {
      reject: false,
    });
    expect({ code: none.exitCode, err: none.stderr }).toEqual({ code: 2, err: expect.stringMatching(/^shmlab: No shmlab pods in namespace empty at http:/) });
  });

  it('refuses a node whose name cannot be a file name, before writing anything', async () => {
    const odd = await standInApi({ shmlab: [{ name: 'p', node: '../etc', log: '' }] });
    const where = join(tempDir(), 'never');
    try {
      await expect(gatherFleet({ kubeconfig: odd.kubeconfig(tempDir()), out: where })).rejects.toThrow(
        'Pod p runs on a node named "../etc", which cannot name a report file beside matrix.md; nothing was written.',
      );
      expect(existsSync(where)).toBe(false);
    } finally {
      await odd.close();
    }
  });
});
