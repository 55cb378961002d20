// A stand-in engine on a unix socket in `dir`: answers as `answer` says (or never, for 'hang'), and counts what it was
// asked, so that a test can show that bad input made no request at all.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

export type Answer = { status: number; body: unknown } | 'hang';

export function standIn(dir: string, answer: (path: string) => Answer): { socket: string; requests: string[]; server: Server } {
  const requests: string[] = [];
  const socket = join(dir, `engine-${Math.random().toString(36).slice(2, 8)}.sock`);
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const a = answer(req.url ?? '');
    if (a === 'hang') return;
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
  });
  // Node's server closes an idle connection after 5 s, and a client that reuses it just then gets EPIPE: on a loaded
  // machine a run is idle that long while it compiles. These stand-ins keep it open, so that a test sees its answer.
  server.keepAliveTimeout = 0;
  server.listen(socket);
  return { socket, requests, server };
}
