// Asks an engine address for /_ping with a deadline, so an absent engine is an answer in seconds, not a hang.
import { request } from 'node:http';
import type { EngineAddress } from './docker-address.js';

type ProbeResult = { ok: true } | { ok: false; why: 'missing' | 'refused' | 'timeout' | 'error'; message: string };

export function probeEngine(address: EngineAddress, timeoutMs = 3000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request(
      { socketPath: address.socketPath, host: address.host, port: address.port, path: '/_ping', method: 'GET', timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve(res.statusCode === 200 ? { ok: true } : { ok: false, why: 'error', message: `answered /_ping with HTTP ${res.statusCode}` }),
        );
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, why: 'timeout', message: `no answer within ${timeoutMs} ms` });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') resolve({ ok: false, why: 'missing', message: 'no socket there' });
      else if (err.code === 'ECONNREFUSED') resolve({ ok: false, why: 'refused', message: 'nothing listens there' });
      else resolve({ ok: false, why: 'error', message: err.message });
    });
    req.end();
  });
}
