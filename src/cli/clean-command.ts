// `shmlab clean`: removes what runs proven dead left behind, and the cached images no live run uses. The host comes
// first: host sysctls a killed run changed are put back before any engine is asked anything (an engine that does
// not answer must not keep the host changed). It says what it checked, and what it could not check.
import { checkToolchain } from '../build/program-compiler.js';
import { checkTempDir } from '../engine/host-tools.js';
import { HostSegmentsUnlistable, listHostSegments } from '../lab/host-segments.js';
import { restoreAfterKilledRunsLocked } from '../lab/host-sysctls.js';
import { liveClaims } from '../lab/process-lease.js';
import { checkedLine, notCheckedLine, readSweep } from '../lab/sweep-lines.js';
import type { ImageVariant } from '../model/catalog.js';
import { type Lab, openLab } from '../run/lab.js';
import type { Output } from './output.js';

export async function cleanCommand(
  io: Output,
  images: Readonly<Record<string, ImageVariant>>,
  deadlineMs?: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const say = (line: string) => io.out(`shmlab: ${line}`);
  const host = await restoreHost();
  host.forEach(say);
  checkTempDir();
  await checkToolchain();
  const lab = await openLab({ say, deadlineMs, images, env });
  try {
    const lines = [...host, ...(await lab.removeStale())];
    lines.push(...(await removeOrphanSegments(lab)));
    const sweep = readSweep(lines);
    sweep.said.slice(host.length).forEach(say);
    const images = await lab.removeCachedImages();
    say(`removed ${images.removed} cached image(s)${images.kept ? `; kept ${images.kept} that a live run uses` : ''}`);
    const checked = `checked ${sweep.checked.join(', ')}`;
    if (sweep.unchecked.length) say(`${checked}; the rest could not be checked (said above), so this node may still hold leftovers`);
    else say(sweep.found.length ? checked : `${checked}: nothing else was left behind`);
    return 0;
  } finally {
    await lab.close();
  }
}

// Host sysctls that killed runs changed, put back from what their leases recorded, under the host-wide lock.
async function restoreHost(): Promise<string[]> {
  try {
    return (await restoreAfterKilledRunsLocked()).map(
      (restored) =>
        `restored the host's ${Object.entries(restored)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}, which a killed run had changed`,
    );
  } catch (err) {
    return [notCheckedLine('host sysctls a killed run changed', `could not put them back: ${(err as Error).message}`)];
  }
}

// Host segments with shmlab's prefix but no marker or claim (an older shmlab, or a marker lost with its engine):
// only those no live shmlab process of this host claims (the host's IPC namespace is shared by every engine here). Listed first, claims read after: a claim is written before
// its segment exists, so a segment made meanwhile is either not listed or already claimed.
async function removeOrphanSegments(lab: Lab): Promise<string[]> {
  let segments: Awaited<ReturnType<typeof listHostSegments>>;
  try {
    segments = await listHostSegments(lab.hostIpc);
  } catch (err) {
    if (!(err instanceof HostSegmentsUnlistable)) throw err;
    return [notCheckedLine('host SysV segments', `${err.message}; the rest is cleaned`)];
  }
  const claimed = new Set(liveClaims().flatMap((c) => c.hostKeys));
  const orphans = segments.filter((s) => !claimed.has(s.key));
  const checked = checkedLine('host SysV segments');
  if (!orphans.length) return [checked];
  await lab.removeHostKeys(orphans.map((s) => s.key));
  return [`removed ${orphans.length} host SysV segment(s) with shmlab's key prefix that no live run claims`, checked];
}
