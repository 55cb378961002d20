// `shmlab fleet gather`: each node's report, read from its shmlab pod's log through the Kubernetes API, checked
// against the report's schema and written as <out>/<node>.json and .md, with <out>/matrix.md: a column per node, and
// for a node whose pod gave no report a column that says why.
import { join } from 'node:path';
import { CATALOG, EXPERIMENTS } from '../../experiments/index.js';
import type { Output } from '../cli/output.js';
import { ensureWritableDir } from '../cli/report-dir.js';
import { UsageError } from '../errors.js';
import { productTitle } from '../model/family.js';
import type { EngineEnvironment } from '../model/result.js';
import { REPORTS } from '../paths.js';
import { matrixFiles } from '../report/matrix-files.js';
import { renderMarkdown } from '../report/render-markdown.js';
import { ReportWriteError, writeFilesAtomically } from '../report/write-report.js';
import { isNodeName, NAME_SELECTOR, NAMESPACE } from './fleet-names.js';
import { type Cluster, type ClusterChoice, connectCluster } from './kube-api.js';
import { type PodOutcome, podOutcome } from './pod-outcome.js';

interface GatherOptions extends ClusterChoice {
  namespace?: string;
  /** Default reports/fleet. */
  out?: string;
}

interface Gathered {
  /** One per node (or unscheduled pod), by name. */
  outcomes: PodOutcome[];
  matrix: string;
}

/** Logs read at once: enough to be quick on a large cluster, few enough to spare its API server. */
const AT_ONCE = 8;

export async function gatherFleet(options: GatherOptions, cluster: Cluster = connectCluster(options)): Promise<Gathered> {
  const namespace = options.namespace ?? NAMESPACE;
  const pods = await cluster.listPods(namespace);
  if (!pods.length)
    throw new UsageError(
      `No shmlab pods in namespace ${namespace} at ${cluster.server} (none labelled ${NAME_SELECTOR}): apply the manifests first ("shmlab fleet manifests --image REF | kubectl apply -f -").`,
    );
  // A node's name becomes a file name: only what Kubernetes allows a node to be called is taken.
  // (`matrix` is a node name Kubernetes allows, but its report would be written over the matrix.)
  const odd = pods.find((p) => p.spec?.nodeName !== undefined && (!isNodeName(p.spec.nodeName) || p.spec.nodeName === 'matrix'));
  if (odd)
    throw new UsageError(
      `Pod ${odd.metadata?.name} runs on a node named ${JSON.stringify(odd.spec?.nodeName)}, which cannot name a report file beside matrix.md; nothing was written.`,
    );
  const dir = ensureWritableDir(options.out ?? join(REPORTS, 'fleet'), '--out');
  const outcomes = byNode(
    await mapAtMost(pods, AT_ONCE, async (pod) => {
      const name = pod.metadata?.name ?? '';
      const outcome = podOutcome(pod, await cluster.readLog(namespace, name));
      // A restarted container's report may be in the log of its run before: the one the API keeps besides the current.
      const restarted = pod.status?.containerStatuses?.some((c) => c.restartCount > 0);
      if ('run' in outcome || !restarted) return outcome;
      const before = podOutcome(pod, await cluster.readLog(namespace, name, true));
      return 'run' in before ? before : outcome;
    }),
  );
  const reported = outcomes.flatMap((o) => ('run' in o ? [o] : []));
  const matrix = await matrixFiles(
    join(dir, 'matrix.md'),
    dir,
    reported.map((o) => o.run),
    EXPERIMENTS,
    CATALOG,
    {
      names: reported.map((o) => ({ title: nodeTitle(o.node, o.run.environment), base: o.node })),
      missing: outcomes.flatMap((o) => ('why' in o ? [{ name: o.node, why: o.why.replace(/\s*\n\s*/g, ' ') }] : [])),
    },
  );
  const files: [string, string][] = reported.flatMap((o) => [
    [join(dir, `${o.node}.json`), o.json],
    [join(dir, `${o.node}.md`), renderMarkdown(o.run, CATALOG)],
  ]);
  try {
    writeFilesAtomically([...files, ...matrix]);
  } catch (err) {
    if (err instanceof ReportWriteError) throw new UsageError(`${err.message.replace(/\.$/, '')}; choose another --out.`);
    throw err;
  }
  return { outcomes, matrix: join(dir, 'matrix.md') };
}

/** A node's column title: the node, then what the report says ran there (engine, runtime, kernel). */
function nodeTitle(node: string, env: EngineEnvironment): string {
  const runtime = env.ociRuntime ? [env.ociRuntime.name, env.ociRuntime.version].filter(Boolean).join(' ') : env.runtime;
  return `${node} · ${productTitle(env)} ${env.serverVersion}${env.rootless ? ' rootless' : ''} · ${runtime} · ${env.kernel}`;
}

/** One outcome per node, by name: a pod with a report before one without, then the later pod (a Job after the DaemonSet's). */
function byNode(outcomes: readonly PodOutcome[]): PodOutcome[] {
  const best = new Map<string, PodOutcome>();
  const rank = (o: PodOutcome) => ['run' in o ? 1 : 0, o.created] as const;
  for (const o of outcomes) {
    const held = best.get(o.node);
    const [a, b] = [rank(o), held ? rank(held) : undefined];
    if (!b || a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])) best.set(o.node, o);
  }
  return [...best.values()].sort((x, y) => x.node.localeCompare(y.node));
}

async function mapAtMost<T, R>(items: readonly T[], limit: number, each: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await each(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function gatherCommand(options: GatherOptions, io: Output): Promise<number> {
  const { outcomes, matrix } = await gatherFleet(options);
  for (const o of outcomes) {
    if ('run' in o) io.out(`shmlab: ${o.node}: ${nodeTitle(o.node, o.run.environment)}`);
    else if (o.refused) io.err(`shmlab: ${o.node}: ${o.why}; it was not written.`);
    else io.out(`shmlab: ${o.node}: no report: ${o.why}`);
  }
  io.out(`shmlab: matrix: ${matrix}`);
  // Every node's column must hold its report for the gathering to have succeeded.
  return outcomes.every((o) => 'run' in o) ? 0 : 1;
}
