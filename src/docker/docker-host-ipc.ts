// The host's IPC namespace on a Docker API engine: a one-shot helper container with --ipc=host.

import { engineWords } from '../engine/engine-words.js';
import { type HostIpc, HostIpcUnreachable } from '../lab/host-segments.js';
import type { EngineDriver } from './docker-api.js';

// The kernel refusing runc a new mqueue mount for the host's IPC namespace: the engine's containers live in a user
// namespace that does not own it (a rootless Docker 20.10), so a container with that mount cannot join it.
const MQUEUE_REFUSED = /error mounting "mqueue"[^\n]*operation not permitted/i;

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
      await driver
        .call('start the host-IPC helper', () => container.start())
        .catch((err: unknown) => {
          const words = engineWords(err);
          if (!MQUEUE_REFUSED.test(words)) throw err;
          throw new HostIpcUnreachable(words);
        });
      const { StatusCode } = await driver.call('wait for the host-IPC helper', () => container.wait());
      const { stdout, stderr } = await driver.logs(container.id);
      if (StatusCode !== 0) throw new Error(`helper in the host's IPC namespace failed (exit ${StatusCode}): ${stderr.trim()}`);
      return stdout;
    } finally {
      await driver.remove(container.id);
    }
  };
}
