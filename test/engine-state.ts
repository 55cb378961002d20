// What shmlab might leave on an engine: what the lab's inventory lists (Docker: labelled containers, volumes and
// committed images; CRI: pods, containers, emptyDir and log folders, pod cgroup folders, tmpfs mounts), and the host's
// SysV segments. The CRI node itself (processes, shims) is read by test/cri-node.ts.

import { IMAGES } from '../experiments/images.js';
import { listAllHostSegments } from '../src/lab/host-segments.js';
import { type Lab, openLab } from '../src/run/lab.js';

export type EngineState = Record<string, (string | number)[]>;

let lab: Promise<Lab> | undefined;

export async function engineDriver(): Promise<{ driver: NonNullable<Lab['docker']>; labImage: string; lab: Lab }> {
  lab ??= openLab({ say: () => {}, images: IMAGES });
  const opened = await lab;
  return { driver: opened.docker!, labImage: opened.images.lab!, lab: opened };
}

export async function engineState(): Promise<EngineState> {
  const { lab } = await engineDriver();
  const segments = await listAllHostSegments(lab.hostIpc);
  return { ...(await lab.inventory()), hostSegments: segments.map((s) => s.key) };
}

/** What `after` has that `before` had not: the leftovers of whatever ran in between. */
export function leftovers(before: EngineState, after: EngineState): EngineState {
  return Object.fromEntries(Object.entries(after).map(([kind, items]) => [kind, items.filter((x) => !(before[kind] ?? []).includes(x))]));
}

/** Nothing of any kind on a Docker API engine (the engine `npm test` runs against). */
export const NOTHING_LEFT: EngineState = { containers: [], volumes: [], 'committed images': [], hostSegments: [] };
