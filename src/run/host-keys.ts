// Keys in the host's IPC namespace: claimed in the process's lease before the segment can exist, and on a Docker API
// engine also marked by a volume, so that a run killed in between leaves a trace for the next run to follow.
import type { EngineDriver } from '../engine/engine-driver.js';
import { LABEL_HOST_KEY } from '../labels.js';
import { type HostIpc, removeHostKeys } from './host-segments.js';

export { LABEL_HOST_KEY } from '../labels.js';

export function markerName(key: number): string {
  return `shmlab-hostkey-${key.toString(16)}`;
}

export async function markHostKey(driver: EngineDriver, key: number, labels: Record<string, string>): Promise<void> {
  await driver.createVolume(markerName(key), { ...labels, [LABEL_HOST_KEY]: String(key) });
}

/** Removes the segments (through the helper in the host's IPC namespace), then their markers where there are any. */
export async function releaseHostKeys(hostIpc: HostIpc, keys: number[], driver?: EngineDriver): Promise<void> {
  await removeHostKeys(hostIpc, keys);
  if (driver) await Promise.all(keys.map((key) => driver.removeVolume(markerName(key))));
}
