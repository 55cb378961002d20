// What killed runs left on a Docker API engine: containers, volumes, committed images, and host keys found by their
// marker volumes; only what belongs to a dead lease, or is older than any run (isStale).

import { markerName, releaseHostKeys } from '../lab/host-keys.js';
import type { HostIpc } from '../lab/host-segments.js';
import { isStale } from '../lab/stale-resources.js';
import { checkedLine } from '../lab/sweep-lines.js';
import { LABEL, LABEL_HOST_KEY, LABEL_RUN } from '../labels.js';
import type { EngineDriver } from './docker-api.js';

export async function markHostKey(driver: EngineDriver, key: number, labels: Record<string, string>): Promise<void> {
  await driver.createVolume(markerName(key), { ...labels, [LABEL_HOST_KEY]: String(key) });
}

/** On a Docker API engine: stale containers, volumes, committed images, and host segments found by their markers. */
export async function removeStaleDockerResources(driver: EngineDriver, hostIpc: HostIpc): Promise<{ said: string[]; hostKeys: number[] }> {
  const d = driver.dockerode;
  const filters = JSON.stringify({ label: [LABEL] });
  const [containerList, volumeList, imageList] = await Promise.all([
    driver.call('list containers', () => d.listContainers({ all: true, filters })),
    driver.call('list volumes', () => d.listVolumes({ filters })),
    // Cached images carry no run label; committed ones do, and only those can be stale.
    driver.call('list images', () => d.listImages({ filters: JSON.stringify({ label: [LABEL_RUN] }) })),
  ]);
  const said: string[] = [];
  const containers = containerList.filter((c) => isStale(c.Labels));
  await Promise.all(containers.map((c) => driver.remove(c.Id)));
  if (containers.length)
    said.push(
      `removed ${containers.length} container(s) left by an earlier run that did not finish: ${containers.map((c) => c.Names[0]?.slice(1)).join(', ')}`,
    );

  const staleVolumes = (volumeList.Volumes ?? []).filter((v) => isStale(v.Labels));
  const markers = staleVolumes.filter((v) => v.Labels?.[LABEL_HOST_KEY]);
  const volumes = staleVolumes.filter((v) => !v.Labels?.[LABEL_HOST_KEY]);
  await Promise.all(volumes.map((v) => driver.removeVolume(v.Name)));
  if (volumes.length) said.push(`removed ${volumes.length} volume(s) left by an earlier run: ${volumes.map((v) => v.Name).join(', ')}`);

  const images = imageList.filter((i) => isStale(i.Labels));
  await Promise.all(images.map((i) => driver.removeImage(i.Id)));
  if (images.length) said.push(`removed ${images.length} committed image(s) left by an earlier run`);

  const keys = markers.map((v) => Number(v.Labels![LABEL_HOST_KEY]));
  if (keys.length) {
    await releaseHostKeys(hostIpc, keys, driver);
    said.push(`removed ${keys.length} host SysV segment key(s) left by an earlier run: ${keys.map((k) => `0x${k.toString(16)}`).join(', ')}`);
  }
  said.push(checkedLine('containers', 'volumes', 'committed images', 'host key markers'));
  return { said, hostKeys: keys };
}
