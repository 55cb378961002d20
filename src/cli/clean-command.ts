// `shmlab clean`: removes what runs proven dead left behind, and the cached images no live run uses.
import { checkToolchain } from '../build/program-compiler.js';
import { checkTempDir } from '../engine/local-engine.js';
import { HostSegmentsUnlistable, listHostSegments } from '../run/host-segments.js';
import { type Lab, openLab } from '../run/lab.js';
import { liveClaims } from '../run/process-lease.js';
import type { Output } from './output.js';

export async function cleanCommand(io: Output, deadlineMs?: number): Promise<number> {
  const say = (line: string) => io.out(`shmlab: ${line}`);
  checkTempDir();
  await checkToolchain();
  const lab = await openLab({ say, deadlineMs });
  try {
    const lines = await lab.removeStale();
    lines.forEach(say);
    lines.push(...(await removeOrphanSegments(lab, say)));
    const images = await lab.removeCachedImages();
    say(
      `removed ${images.removed} cached image(s)${images.kept ? `; kept ${images.kept} that a live run uses` : ''}${lines.length ? '' : '; nothing else was left behind'}`,
    );
    return 0;
  } finally {
    await lab.close();
  }
}

// Host segments with shmlab's prefix but no marker or claim (an older shmlab, or a marker lost with its engine):
// only those no live shmlab process of this host claims (the host's IPC namespace is shared by every engine here). Listed first, claims read after: a claim is written before
// its segment exists, so a segment made meanwhile is either not listed or already claimed.
async function removeOrphanSegments(lab: Lab, say: (line: string) => void): Promise<string[]> {
  let segments: Awaited<ReturnType<typeof listHostSegments>>;
  try {
    segments = await listHostSegments(lab.hostIpc);
  } catch (err) {
    if (!(err instanceof HostSegmentsUnlistable)) throw err;
    say(`host SysV segments not checked: ${err.message}; the rest is cleaned`);
    return [];
  }
  const claimed = new Set(liveClaims().flatMap((c) => c.hostKeys));
  const orphans = segments.filter((s) => !claimed.has(s.key));
  if (!orphans.length) return [];
  await lab.removeHostKeys(orphans.map((s) => s.key));
  const line = `removed ${orphans.length} host SysV segment(s) with shmlab's key prefix that no live run claims`;
  say(line);
  return [line];
}
