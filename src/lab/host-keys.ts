import { type HostIpc, removeHostKeys } from './host-segments.js';

export function markerName(key: number): string {
  return `shmlab-hostkey-${key.toString(16)}`;
}

/** What removes a key's marker, where the engine keeps one (a Docker API engine's volume). */
interface MarkerStore {
  removeVolume(name: string): Promise<void>;
}

/** Removes the segments (through the helper in the host's IPC namespace), then their markers where there are any. */
export async function releaseHostKeys(hostIpc: HostIpc, keys: number[], driver?: MarkerStore): Promise<void> {
  await removeHostKeys(hostIpc, keys);
  if (driver) await Promise.all(keys.map((key) => driver.removeVolume(markerName(key))));
}
