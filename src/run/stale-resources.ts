// Finds what earlier runs left behind (a run killed with SIGKILL cannot clean up) and removes it, by label and age.
import { hostname } from 'node:os';
import type { EngineDriver } from '../engine/engine-driver.js';
import { listHostSegments, removeHostKeys } from './host-segments.js';
import { LABEL, LABEL_HOST, LABEL_PID, LABEL_STARTED } from './lab-session.js';

/** Resources older than this are stale whoever made them: no run lasts that long. */
export const STALE_AFTER_MS = 2 * 60 * 60 * 1000;

// A resource is stale when the run that made it is gone: its process no longer lives on this host, or it is too old.
export function isStale(labels: Record<string, string> | undefined, now = Date.now()): boolean {
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
  const said: string[] = [];
  const containers = (await d.listContainers({ all: true, filters })).filter((c) => isStale(c.Labels));
  await Promise.all(containers.map((c) => driver.remove(c.Id)));
  if (containers.length) said.push(`removed ${containers.length} container(s) left by an earlier run that did not finish: ${containers.map((c) => c.Names[0]?.slice(1)).join(', ')}`);
  const volumes = ((await d.listVolumes({ filters })).Volumes ?? []).filter((v) => isStale(v.Labels ?? undefined));
  await Promise.all(volumes.map((v) => driver.removeVolume(v.Name)));
  if (volumes.length) said.push(`removed ${volumes.length} volume(s) left by an earlier run: ${volumes.map((v) => v.Name).join(', ')}`);
  // Cached images carry no run label; committed ones do, and only those can be stale.
  const images = (await d.listImages({ filters: JSON.stringify({ label: ['org.shmlab.run'] }) })).filter((i) => isStale(i.Labels ?? undefined));
  await Promise.all(images.map((i) => driver.removeImage(i.Id)));
  if (images.length) said.push(`removed ${images.length} committed image(s) left by an earlier run`);
  // Host segments carry no labels: a segment with shmlab's key prefix that no live run holds, older than a minute, is stale.
  const live = (await d.listContainers({ filters })).length > 0;
  const segments = (await listHostSegments(driver, image, helperLabels)).filter((s) => !live || Date.now() / 1000 - s.ctime > STALE_AFTER_MS / 1000);
  if (segments.length) {
    await removeHostKeys(driver, image, helperLabels, segments.map((s) => s.key));
    said.push(`removed ${segments.length} host SysV segment(s) left by an earlier run: keys ${segments.map((s) => `0x${s.key.toString(16)}`).join(', ')}`);
  }
  return said;
}
