// Keys in the host's IPC namespace: each has a marker volume, made before the segment can exist and
// removed after it is gone, so a run killed in between leaves a labelled trace for the next run to follow.
import type { EngineDriver } from '../engine/engine-driver.js';
import { removeHostKeys } from './host-segments.js';

export const LABEL_HOST_KEY = 'org.shmlab.hostkey';

export function markerName(key: number): string {
  return `shmlab-hostkey-${key.toString(16)}`;
}

export async function markHostKey(driver: EngineDriver, key: number, labels: Record<string, string>): Promise<void> {
  await driver.createVolume(markerName(key), { ...labels, [LABEL_HOST_KEY]: String(key) });
}

/** Removes the segments (through a helper in the host's IPC namespace), then their markers. */
export async function releaseHostKeys(driver: EngineDriver, image: string, helperLabels: Record<string, string>, keys: number[]): Promise<void> {
  await removeHostKeys(driver, image, helperLabels, keys);
  await Promise.all(keys.map((key) => driver.removeVolume(markerName(key))));
}
