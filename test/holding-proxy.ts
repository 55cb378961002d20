// Stand-in engines for tests: a proxy that forwards the Docker API to the real engine but holds some requests forever
// (never answers them), as a crashed gVisor sandbox left `docker exec` waiting; and one with no engine behind it that
// describes itself as a Docker API engine and answers the rest as a test says.
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './temp-dirs.js';

export interface HoldingProxy {
  address: string;
  /** How many requests it is holding now. */
  held: () => number;
  close: () => Promise<void>;
}

export async function holdingProxy(upstreamSocket: string, hold: (req: IncomingMessage) => boolean): Promise<HoldingProxy> {
  const socket = join(tempDir('shmlab-proxy-'), 'engine.sock');
  const holding = new Set<IncomingMessage>();
  const server: Server = createServer((req, res) => {
    if (hold(req)) {
      holding.add(req);
      req.on('close', () => holding.delete(req));
      return;
    }
    const upstream = request({ socketPath: upstreamSocket, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // Hijacked streams (attach, exec start with a TTY-less upgrade): passed through as raw bytes.
  server.on('upgrade', (req, client, head) => {
    if (hold(req)) {
      holding.add(req);
      client.on('close', () => holding.delete(req));
      return;
    }
    const upstream = connect(upstreamSocket, () => {
      const headers = Object.entries(req.headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n');
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  // No idle timeout (see standIn): a reused connection closed under a slow run would fail with EPIPE.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    address: `unix://${socket}`,
    held: () => holding.size,
    close: async () => {
      for (const req of holding) req.socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What a stand-in engine does with a request: answers it with a status and a body, or holds it (never answers). */
export type StandInAnswer = { status: number; body: unknown } | 'hold';

export interface StandInEngine {
  address: string;
  /** Every request it was sent, as "METHOD /path". */
  requests: string[];
  held: () => number;
  close: () => Promise<void>;
}

/** A Docker API engine's description of itself: enough for shmlab to take the stand-in for one. */
export const DESCRIBED: Record<string, StandInAnswer> = {
  ping: { status: 200, body: 'OK' },
  version: { status: 200, body: { Version: '99.0', ApiVersion: '1.41', Os: 'linux', KernelVersion: '6', Components: [] } },
  info: { status: 200, body: { OperatingSystem: 'Test', KernelVersion: '6', Driver: 'overlay2', CgroupVersion: '1', DefaultRuntime: 'runc' } },
};

/**
 * A stand-in engine on a unix socket, no real engine behind it: answers each request as `answer` says, else /_ping,
 * /version and /info as DESCRIBED and holds the rest (an engine that described itself and then went silent).
 */
export async function standInEngine(answer: (req: IncomingMessage, body: Buffer) => StandInAnswer | undefined = () => undefined): Promise<StandInEngine> {
  const socket = join(tempDir('shmlab-stand-in-'), 'engine.sock');
  const requests: string[] = [];
  const holding = new Set<IncomingMessage>();
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').replace(/\?.*$/, '');
      const known = path.endsWith('/_ping')
        ? DESCRIBED.ping
        : path.endsWith('/version')
          ? DESCRIBED.version
          : path.endsWith('/info')
            ? DESCRIBED.info
            : undefined;
      const given = answer(req, Buffer.concat(chunks)) ?? known ?? 'hold';
      if (given === 'hold') {
        holding.add(req);
        res.on('close', () => holding.delete(req));
        return;
      }
      const body = typeof given.body === 'string' ? given.body : JSON.stringify(given.body);
      res.writeHead(given.status, { 'content-type': typeof given.body === 'string' ? 'text/plain' : 'application/json' }).end(body);
    });
  });
  // No idle timeout (see standIn): a reused connection closed under a slow run would fail with EPIPE.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    address: `unix://${socket}`,
    requests,
    held: () => holding.size,
    close: async () => {
      for (const req of holding) req.socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
