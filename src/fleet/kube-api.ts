// The cluster as kubectl finds it (--kubeconfig, else KUBECONFIG, ~/.kube/config or the pod's service account), and
// the only two calls `fleet gather` makes: list shmlab's pods, read a pod's log. Failures become one sentence.
import { ApiException, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { ClusterUnavailableError, UsageError } from '../errors.js';
import { CONTAINER, NAME_SELECTOR } from './fleet-names.js';
import type { PodLog } from './pod-outcome.js';

export interface ClusterChoice {
  kubeconfig?: string;
  context?: string;
}

export interface Cluster {
  /** The API server's address, for the sentences. */
  server: string;
  listPods(namespace: string): Promise<V1Pod[]>;
  /** `previous`: the log of the container's run before its last restart. */
  readLog(namespace: string, pod: string, previous?: boolean): Promise<PodLog>;
}

const WHERE = 'check the kubeconfig (--kubeconfig, KUBECONFIG or ~/.kube/config) and --context';

export function connectCluster(choice: ClusterChoice): Cluster {
  const config = new KubeConfig();
  try {
    if (choice.kubeconfig !== undefined) config.loadFromFile(choice.kubeconfig);
    else config.loadFromDefault();
  } catch (err) {
    const from = choice.kubeconfig ?? (process.env.KUBECONFIG ? `KUBECONFIG=${process.env.KUBECONFIG}` : 'found');
    throw new UsageError(`Cannot read the kubeconfig ${from} (${(err as NodeJS.ErrnoException).code ?? firstLine(err)}).`);
  }
  if (choice.context !== undefined) {
    if (!config.getContextObject(choice.context)) {
      const known = config.getContexts().map((c) => c.name);
      throw new UsageError(`The kubeconfig has no context ${JSON.stringify(choice.context)}; its contexts: ${known.join(', ') || 'none'}.`);
    }
    config.setCurrentContext(choice.context);
  }
  // Where nothing is found, the client falls back to http://localhost:8080, as kubectl does: say what is missing instead.
  if (choice.kubeconfig === undefined && config.getCurrentContext() === 'loaded-context' && config.getCurrentCluster()?.name === 'cluster')
    throw new UsageError('No kubeconfig found (KUBECONFIG is not set, there is no ~/.kube/config, and this is not a pod): give one with --kubeconfig FILE.');
  const server = config.getCurrentCluster()?.server;
  if (!server)
    throw new UsageError(`The kubeconfig's context ${JSON.stringify(config.getCurrentContext())} names no cluster with a server: choose one with --context.`);
  const api = config.makeApiClient(CoreV1Api);
  return {
    server,
    async listPods(namespace) {
      try {
        return (await api.listNamespacedPod({ namespace, labelSelector: NAME_SELECTOR })).items;
      } catch (err) {
        if (err instanceof ApiException)
          throw new ClusterUnavailableError(
            `The Kubernetes API server at ${server} refused to list the pods of namespace ${namespace} (${apiWords(err)}): ${WHERE}.`,
          );
        throw new ClusterUnavailableError(`The Kubernetes API server at ${server} does not answer (${firstLine(err)}): ${WHERE}.`);
      }
    },
    async readLog(namespace, pod, previous) {
      try {
        return { text: await api.readNamespacedPodLog({ namespace, name: pod, container: CONTAINER, ...(previous ? { previous } : {}) }) };
      } catch (err) {
        // The API's answer about this pod (its container never started, the pod is gone) is the pod's outcome.
        if (err instanceof ApiException) return { error: apiWords(err) };
        throw new ClusterUnavailableError(`The Kubernetes API server at ${server} stopped answering while shmlab read pod ${pod}'s log (${firstLine(err)}).`);
      }
    },
  };
}

/** The API's own message (a Status object's), else its HTTP code. */
function apiWords(err: ApiException<unknown>): string {
  let body = err.body;
  if (typeof body === 'string') {
    const text = body.trim();
    try {
      body = JSON.parse(text);
    } catch {
      // Not a Status object: the text itself, when short, is the API's word.
      if (text && text.length < 200) return `${err.code}: ${text}`;
    }
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message ? message : `HTTP ${err.code}${err.code === 401 ? ' Unauthorized' : ''}`;
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split('\n')[0]!
    .trim();
}
