// The Docker driver states the network its containers get, first among their grants: the settings EngineDriver.run
// sends (checked against a real engine in test/docker-network.engine.test.ts).
import { describe, expect, it } from 'vitest';
import type { ContainerRequest } from '../engine/lab-driver.js';
import type { EngineDriver } from './docker-api.js';
import { DockerDriver, NETWORK_GRANT } from './docker-driver.js';

const api = {
  run: async (_: unknown, onCreated: (id: string) => void) => {
    onCreated('abc123');
    return 'abc123';
  },
} as unknown as EngineDriver;
const request = (spec: ContainerRequest['spec']): ContainerRequest => ({
  name: 'shmlab-r-demo-app-1',
  logicalName: 'app',
  spec,
  image: 'sha256:1',
  imageTag: 'shmlab/lab:1',
  labels: {},
  containerHandle: () => 'other',
  volumeName: (v) => v,
  onCreated: () => {},
});

describe('DockerDriver grants', () => {
  it('begin with the network every container gets, then what its spec asks', async () => {
    const driver = new DockerDriver(api);
    expect((await driver.run(request({}))).grants).toEqual([NETWORK_GRANT]);
    expect((await driver.run(request({ ipc: 'host', sysctls: { 'kernel.shmmax': '1' } }))).grants).toEqual([
      NETWORK_GRANT,
      'IPC namespace: host',
      'sysctl kernel.shmmax=1',
    ]);
    expect(NETWORK_GRANT).toBe('no network (NetworkDisabled, NetworkMode none: its own empty network namespace)');
  });
});
