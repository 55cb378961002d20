// A stand-in Kubernetes API server for `fleet gather`'s tests, on the loopback only: it answers the two calls gather
// makes (list a namespace's pods by label, read a pod's log) from the data it is given, records every request, and
// answers anything else 404. With it, a kubeconfig file that points at it.

import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A pod as the API lists it (the fields gather reads), with its log or the API's refusal to give it. */
export interface StandInPod {
  name: string;
  node?: string;
  labels?: Record<string, string>;
  phase?: string;
  /** The shmlab container's state, as the API reports it. */
  container?: { state: Record<string, unknown>; restartCount?: number };
  created?: string;
  /** The log; a number: the API answers that status with a Status object whose message is `refusal`. */
  log: string | number;
  /** The log of the container's run before its last restart (`previous=true`). */
  previousLog?: string;
  refusal?: string;
}

export interface StandInApi {
  server: Server;
  url: string;
  requests: string[];
  /** A kubeconfig in `dir` whose current context is this server. */
  kubeconfig: (dir: string) => string;
  close: () => Promise<void>;
}

export async function standInApi(pods: Record<string, StandInPod[]>): Promise<StandInApi> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const status = (code: number, message: string) => json(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code });
    const list = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    const log = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (req.method !== 'GET') return status(405, 'the stand-in answers only GET');
    if (list) {
      const selector = url.searchParams.get('labelSelector');
      const items = (pods[list[1]!] ?? []).filter((p) => !selector || matches(p.labels ?? { 'app.kubernetes.io/name': 'shmlab' }, selector));
      return json(200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: items.map(podObject) });
    }
    if (log) {
      const pod = (pods[log[1]!] ?? []).find((p) => p.name === log[2]);
      if (!pod) return status(404, `pods "${log[2]}" not found`);
      if (url.searchParams.get('container') !== 'shmlab') return status(400, `container ${url.searchParams.get('container')} is not valid for pod ${pod.name}`);
      const previous = url.searchParams.get('previous') === 'true';
      if (previous && pod.previousLog === undefined) return status(400, `previous terminated container "shmlab" in pod "${pod.name}" not found`);
      if (typeof pod.log === 'number') return status(pod.log, pod.refusal ?? 'refused');
      return res.writeHead(200, { 'content-type': 'text/plain' }).end(previous ? pod.previousLog : pod.log);
    }
    return status(404, 'the stand-in answers only the pod list and pod logs');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = (dir: string) => {
    const path = join(dir, 'kubeconfig');
    // Plain HTTP on the loopback: the client takes it only with TLS verification off.
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '  - name: stand-in',
        `    cluster: { server: "${url}", insecure-skip-tls-verify: true }`,
        'users:',
        '  - name: tester',
        '    user: { token: stand-in-token }',
        'contexts:',
        '  - name: stand-in',
        '    context: { cluster: stand-in, user: tester }',
        'current-context: stand-in',
        '',
      ].join('\n'),
    );
    return path;
  };
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { server, url, requests, kubeconfig, close };
}

// Equality selectors only (`a=b,c=d`): what gather sends.
function matches(labels: Record<string, string>, selector: string): boolean {
  // The equality-based terms the API server takes: key=value and key!=value.
  return selector.split(',').every((term) => {
    const not = term.includes('!=');
    const [key, value] = term.split(not ? '!=' : '=');
    return key !== undefined && (labels[key] === value) !== not;
  });
}

function podObject(p: StandInPod): unknown {
  return {
    metadata: {
      name: p.name,
      namespace: 'shmlab',
      labels: p.labels ?? { 'app.kubernetes.io/name': 'shmlab' },
      creationTimestamp: p.created ?? '2026-12-01T10:00:00Z',
    },
    spec: { ...(p.node ? { nodeName: p.node } : {}), containers: [{ name: 'shmlab', image: 'registry.example/shmlab:0.1.0' }] },
    status: {
      phase: p.phase ?? 'Running',
      ...(p.container
        ? {
            containerStatuses: [
              { name: 'shmlab', ready: false, restartCount: p.container.restartCount ?? 0, image: 'x', imageID: '', state: p.container.state },
            ],
          }
        : {}),
    },
  };
}
