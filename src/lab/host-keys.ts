// Keys in the host's IPC namespace: claimed in the process's lease before the segment can exist, and on a Docker API
// engine also marked by a volume, so that a run killed in between leaves a trace for the next run to follow.
import { LABEL_HOST_KEY } from '../labels.js';
import { type HostIpc, removeHostKeys } from './host-segments.js';

export { LABEL_HOST_KEY } from '../labels.js';

export function markerName(key: number): string {
  return `shmlab-hostkey-${key.toString(16)}`;
}

/** What removes a key's marker, where the engine keeps one (a Docker API engine's volume). */
export interface MarkerStore {
  removeVolume(name: string): Promise<void>;
}

/** Removes the segments (through the helper in the host's IPC namespace), then their markers where there are any. */
export async function releaseHostKeys(hostIpc: HostIpc, keys: number[], driver?: MarkerStore): Promise<void> {
  await removeHostKeys(hostIpc, keys);
  if (driver) await Promise.all(keys.map((key) => driver.removeVolume(markerName(key))));
}
