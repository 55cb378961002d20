// The host's IPC namespace on a Docker API engine: a one-shot helper container with --ipc=host.

import type { HostIpc } from '../lab/host-segments.js';
import type { EngineDriver } from './docker-api.js';

/** On a Docker API engine: a one-shot container with --ipc=host whose output is its logs. */
export function dockerHostIpc(driver: EngineDriver, image: string, labels: Record<string, string>): HostIpc {
  return async (script) => {
    const container = await driver.call('create the host-IPC helper', () =>
      driver.dockerode.createContainer({
        Image: image,
        Cmd: ['/bin/sh', '-c', script],
        Labels: labels,
        NetworkDisabled: true,
        HostConfig: { IpcMode: 'host', NetworkMode: 'none' },
      }),
    );
    try {
      await driver.call('start the host-IPC helper', () => container.start());
      const { StatusCode } = await driver.call('wait for the host-IPC helper', () => container.wait());
      const { stdout, stderr } = await driver.logs(container.id);
      if (StatusCode !== 0) throw new Error(`helper in the host's IPC namespace failed (exit ${StatusCode}): ${stderr.trim()}`);
      return stdout;
    } finally {
      await driver.remove(container.id);
    }
  };
}
