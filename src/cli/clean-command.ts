// `shmlab clean`: removes what earlier runs left behind, and the cached images.
import { buildImages } from '../build/image-builder.js';
import { connectEngine } from '../engine/engine-connection.js';
import { EngineDriver } from '../engine/engine-driver.js';
import { removeStaleResources } from '../run/stale-resources.js';
import { LABEL, LabSession } from '../run/lab-session.js';
import { listHostSegments, removeHostKeys } from '../run/host-segments.js';
import { IMAGE_LABEL } from '../build/image-builder.js';
import type { Output } from './output.js';

export async function cleanCommand(io: Output): Promise<number> {
  const say = (line: string) => io.out(`shmlab: ${line}`);
  const { client } = await connectEngine(say);
  const driver = new EngineDriver(client);
  const { tags } = await buildImages(driver.dockerode, ['lab'], say);
  const session = new LabSession(driver);
  const helperLabels = session.labels({ 'org.shmlab.helper': 'true' });
  const lines = await removeStaleResources(driver, tags.lab!, helperLabels);
  // The explicit clean also sweeps host segments with shmlab's key prefix, markers or not, when no run is live.
  const live = (await driver.dockerode.listContainers({ all: true, filters: JSON.stringify({ label: [LABEL] }) })).length > 0;
  const segments = live ? [] : await listHostSegments(driver, tags.lab!, helperLabels);
  if (segments.length) {
    await removeHostKeys(driver, tags.lab!, helperLabels, segments.map((s) => s.key));
    lines.push(`removed ${segments.length} host SysV segment(s) with shmlab's key prefix`);
  }
  lines.forEach(say);
  const images = await driver.dockerode.listImages({ filters: JSON.stringify({ label: [IMAGE_LABEL] }) });
  await Promise.all(images.map((i) => driver.removeImage(i.Id)));
  say(`removed ${images.length} cached image(s)${lines.length ? '' : '; nothing else was left behind'}`);
  return 0;
}
