// What the Docker driver's first grant says of the network is what the engine did: the container was created with
// NetworkDisabled and NetworkMode none, and inside it there is no interface but loopback, in a namespace of its own.
import { readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NETWORK_GRANT } from '../src/docker/docker-driver.js';
import { engineDriver } from './engine-state.js';

// On a CRI runtime there is no Docker driver: its pods' network is the CRI driver's to state.
describe.skipIf(process.env.CONTAINER_RUNTIME_ENDPOINT !== undefined)('the network of a container of the Docker driver', () => {
  it('is none: NetworkDisabled, NetworkMode none, only loopback, its own network namespace', async () => {
    const { lab, labImage } = await engineDriver();
    const id: string[] = [];
    try {
      const started = await lab.driver.run({
        name: `shmlab-${lab.session.runId}-network-${process.pid}`,
        logicalName: 'app',
        spec: {},
        image: labImage,
        labels: lab.session.labels(),
        containerHandle: () => '',
        volumeName: (v) => v,
        onCreated: (created) => id.push(created),
      });
      expect(started.grants[0]).toBe(NETWORK_GRANT);
      const info = await lab.docker!.inspect(started.handle);
      expect({ disabled: (info.Config as { NetworkDisabled?: boolean }).NetworkDisabled, mode: info.HostConfig.NetworkMode }).toEqual({
        disabled: true,
        mode: 'none',
      });
      const devices = await lab.driver.exec(started.handle, ['cat', '/proc/net/dev']);
      const interfaces = devices.stdout
        .split('\n')
        .slice(2)
        .map((l) => l.split(':')[0]!.trim())
        .filter(Boolean);
      expect(interfaces).toEqual(['lo']);
      const ns = await lab.driver.exec(started.handle, ['ls', '-l', '/proc/self/ns/net']);
      const theirs = /net:\[(\d+)\]/.exec(ns.stdout)?.[1];
      const ours = /net:\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/net'))?.[1];
      expect(theirs).toMatch(/^\d+$/);
      expect(theirs).not.toBe(ours);
    } finally {
      for (const c of id) await lab.driver.remove(c);
    }
  });
});
