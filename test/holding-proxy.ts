// A stand-in engine for tests: forwards the Docker API to the real engine, but holds some requests forever (never
// answers them), as a crashed gVisor sandbox left `docker exec` waiting.
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
