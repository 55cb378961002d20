// Finds what earlier runs left behind (a run killed with SIGKILL cannot clean up) and removes it, by label and age.
import { hostname } from 'node:os';
import type { EngineDriver } from '../engine/engine-driver.js';
import { LABEL_HOST_KEY, releaseHostKeys } from './host-keys.js';
import { LABEL, LABEL_HOST, LABEL_PID, LABEL_STARTED } from './lab-session.js';

/** Resources older than this are stale whoever made them: no run lasts that long. */
export const STALE_AFTER_MS = 2 * 60 * 60 * 1000;

// Stale: the run that made it is gone (its process no longer lives on this host), or it is too old.
export function isStale(labels: Record<string, string> | undefined | null, now = Date.now()): boolean {
  if (!labels?.[LABEL]) return false;
  const started = Number(labels[LABEL_STARTED] ?? 0);
  if (now - started > STALE_AFTER_MS) return true;
  if (labels[LABEL_HOST] !== hostname()) return false;
  return !processAlive(Number(labels[LABEL_PID]));
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes stale containers, volumes, committed images and host segments; returns one line per kind removed. */
export async function removeStaleResources(driver: EngineDriver, image: string, helperLabels: Record<string, string>): Promise<string[]> {
  const d = driver.dockerode;
  const filters = JSON.stringify({ label: [LABEL] });
  const [containerList, volumeList, imageList] = await Promise.all([
    d.listContainers({ all: true, filters }),
    d.listVolumes({ filters }),
    // Cached images carry no run label; committed ones do, and only those can be stale.
    d.listImages({ filters: JSON.stringify({ label: ['org.shmlab.run'] }) }),
  ]);
  const said: string[] = [];
  const containers = containerList.filter((c) => isStale(c.Labels));
  await Promise.all(containers.map((c) => driver.remove(c.Id)));
  if (containers.length) said.push(`removed ${containers.length} container(s) left by an earlier run that did not finish: ${containers.map((c) => c.Names[0]?.slice(1)).join(', ')}`);

  const staleVolumes = (volumeList.Volumes ?? []).filter((v) => isStale(v.Labels));
  const markers = staleVolumes.filter((v) => v.Labels?.[LABEL_HOST_KEY]);
  const volumes = staleVolumes.filter((v) => !v.Labels?.[LABEL_HOST_KEY]);
  await Promise.all(volumes.map((v) => driver.removeVolume(v.Name)));
  if (volumes.length) said.push(`removed ${volumes.length} volume(s) left by an earlier run: ${volumes.map((v) => v.Name).join(', ')}`);

  const images = imageList.filter((i) => isStale(i.Labels));
  await Promise.all(images.map((i) => driver.removeImage(i.Id)));
  if (images.length) said.push(`removed ${images.length} committed image(s) left by an earlier run`);

  if (markers.length) {
    const keys = markers.map((v) => Number(v.Labels![LABEL_HOST_KEY]));
    await releaseHostKeys(driver, image, helperLabels, keys);
    said.push(`removed ${keys.length} host SysV segment key(s) left by an earlier run: ${keys.map((k) => `0x${k.toString(16)}`).join(', ')}`);
  }
  return said;
}
