// DOCKER_HOST may name an IPv6 literal (tcp://[::1]:PORT): the engine is reached there for every request, not only
// asked whether it answers (a bracketed host once went to the resolver: "getaddrinfo ENOTFOUND [::1]").
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportDir, shmlab } from './shmlab-process.js';
import { removeTempDirs } from './temp-dirs.js';

const ENGINE_SOCKET = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');

// On a CRI runtime or an engine not on a local socket there is nothing to forward to.
describe.skipIf(process.env.CONTAINER_RUNTIME_ENDPOINT !== undefined || !ENGINE_SOCKET.startsWith('/'))('DOCKER_HOST=tcp://[::1]:PORT', () => {
  let server: Server;
  let port = 0;
  let requests = 0;

  beforeAll(async () => {
    // The engine's socket, forwarded on the IPv6 loopback; every HTTP request through it is counted.
    server = createServer((client) => {
      const upstream = connect(ENGINE_SOCKET);
      client.on('data', (chunk: Buffer) => {
        requests += chunk.toString('latin1').match(/^(GET|POST|PUT|DELETE|HEAD) \//gm)?.length ?? 0;
      });
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    removeTempDirs();
  });

  it('is the engine of the whole run', async () => {
    const dir = reportDir();
    const address = `tcp://[::1]:${port}`;
    const r = await shmlab(['run', '--only', 'procsys-readonly', '--report-dir', dir], { DOCKER_HOST: address });
    expect(r.exitCode, r.all).toBe(0);
    const json = readdirSync(dir).find((f) => f.endsWith('.json'))!;
    expect(JSON.parse(readFileSync(join(dir, json), 'utf8')).environment.address).toBe(address);
    // Connecting, describing, the images, a container's run and removal: all of it went this way.
    expect(requests).toBeGreaterThan(20);
  });
});
