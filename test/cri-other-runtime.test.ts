// A CRI endpoint that is not containerd (CRI-O, say) gets one sentence and exit 2, before anything is asked of it.
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { API_PROTO } from '../src/cri/cri-client.js';
import { ROOT } from '../src/paths.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

const CLI = join(ROOT, 'dist/src/cli.js');
afterAll(removeTempDirs);

it('a CRI runtime that is not containerd: one sentence naming it, exit 2, and only Version was asked', async () => {
  const dir = tempDir('shmlab-other-cri-');
  const socket = join(dir, 'crio.sock');
  const pkg = grpc.loadPackageDefinition(loadSync(API_PROTO, { keepCase: true })) as unknown as {
    runtime: { v1: { RuntimeService: { service: grpc.ServiceDefinition } } };
  };
  const asked: string[] = [];
  const server = new grpc.Server();
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(pkg.runtime.v1.RuntimeService.service)) {
    handlers[name] = (call: { request: unknown }, callback: grpc.sendUnaryData<unknown>) => {
      asked.push(name);
      if (name === 'Version') callback(null, { version: '0.1.0', runtime_name: 'cri-o', runtime_version: '1.30.0', runtime_api_version: 'v1' });
      else callback({ code: grpc.status.UNIMPLEMENTED, details: `not here: ${name}` } as grpc.ServiceError, null);
      void call;
    };
  }
  server.addService(pkg.runtime.v1.RuntimeService.service, handlers);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  try {
    const r = await execa(process.execPath, [CLI, 'run', '--only', 'sysv-restart', '--report-dir', dir], {
      reject: false,
      timeout: 60_000,
      env: { ...process.env, CONTAINER_RUNTIME_ENDPOINT: `unix://${socket}`, DOCKER_HOST: '' },
    });
    expect({ exitCode: r.exitCode, lines: r.stderr.trim().split('\n').length }).toEqual({ exitCode: 2, lines: 1 });
    expect(r.stderr).toMatch(/is cri-o 1\.30\.0: shmlab drives containerd only/);
    expect([...new Set(asked)]).toEqual(['Version']);
  } finally {
    server.forceShutdown();
  }
});
