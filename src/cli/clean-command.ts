// `shmlab clean`: removes what earlier runs left behind, and the cached images no live run uses.
import { claimedImages, isClaimed } from '../build/image-builder.js';
import { IMAGE_LABEL } from '../labels.js';
import { checkToolchain } from '../build/program-compiler.js';
import { checkTempDir } from '../engine/local-engine.js';
import { listHostSegments } from '../run/host-segments.js';
import { openLab } from '../run/lab.js';
import { liveClaims } from '../run/process-lease.js';
import { removeStaleResources } from '../run/stale-resources.js';
import type { Output } from './output.js';

export async function cleanCommand(io: Output, deadlineMs?: number): Promise<number> {
  const say = (line: string) => io.out(`shmlab: ${line}`);
  checkTempDir();
  await checkToolchain();
  const lab = await openLab({ say, deadlineMs });
  const { driver } = lab;
  const lines = await removeStaleResources(driver, lab.images.lab!, lab.helperLabels);
  // Host segments with shmlab's prefix but no marker (an older shmlab, or a marker lost with its engine): only those
  // that no live shmlab process of this host claims. The host's IPC namespace is shared by every engine here.
  const claimed = new Set(liveClaims().flatMap((c) => c.hostKeys));
  const orphans = (await listHostSegments(driver, lab.images.lab!, lab.helperLabels)).filter((s) => !claimed.has(s.key));
  if (orphans.length) {
    await lab.removeHostKeys(orphans.map((s) => s.key));
    lines.push(`removed ${orphans.length} host SysV segment(s) with shmlab's key prefix that no live run claims`);
  }
  lines.forEach(say);
  // Cached images stay while a live process (this one included) claims them; the rest go.
  const inUse = claimedImages(lab.lease.id);
  const images = await driver.call('list images', () => driver.dockerode.listImages({ filters: JSON.stringify({ label: [IMAGE_LABEL] }) }));
  const removable = images.filter((i) => !isClaimed(i, inUse));
  await Promise.all(removable.map((i) => driver.removeImage(i.Id)));
  const kept = images.length - removable.length;
  say(`removed ${removable.length} cached image(s)${kept ? `; kept ${kept} that a live run uses` : ''}${lines.length ? '' : '; nothing else was left behind'}`);
  return 0;
}
