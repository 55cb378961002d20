// What shmlab might leave on an engine: what the lab's inventory lists (Docker: labelled containers, volumes and
// committed images; CRI: pods, containers, emptyDir and log folders, pod cgroup folders, tmpfs mounts), and the host's
// SysV segments. The CRI node itself (processes, shims) is read by test/cri-node.ts.

import { IMAGES } from '../experiments/images.js';
import { type DockerLab, openDockerLab } from '../src/docker/docker-lab.js';
import { listAllHostSegments } from '../src/lab/host-segments.js';
import type { Lab } from '../src/run/lab.js';
import { openLab } from '../src/run/lab.js';

export type EngineState = Record<string, (string | number)[]>;

let lab: Promise<Lab> | undefined;
let dockerLab: Promise<DockerLab> | undefined;

/** The lab of the engine the tests run against, whatever its family. */
export function engineLab(): Promise<Lab> {
  lab ??= process.env.CONTAINER_RUNTIME_ENDPOINT !== undefined ? openLab({ say: () => {}, images: IMAGES }) : engineDriver().then((d) => d.lab);
  return lab;
}

/** A Docker API engine's lab and its API client, for the tests that inspect containers through it. */
export async function engineDriver(): Promise<{ driver: DockerLab['docker']; labImage: string; lab: DockerLab }> {
  dockerLab ??= openDockerLab({ say: () => {}, images: IMAGES });
  const opened = await dockerLab;
  return { driver: opened.docker, labImage: opened.images.lab!, lab: opened };
}

export async function engineState(): Promise<EngineState> {
  const lab = await engineLab();
  const segments = await listAllHostSegments(lab.hostIpc);
  return { ...(await lab.inventory()), hostSegments: segments.map((s) => s.key) };
}

/** What `after` has that `before` had not: the leftovers of whatever ran in between. */
export function leftovers(before: EngineState, after: EngineState): EngineState {
  return Object.fromEntries(Object.entries(after).map(([kind, items]) => [kind, items.filter((x) => !(before[kind] ?? []).includes(x))]));
}

/** Nothing of any kind on a Docker API engine (the engine `npm test` runs against). */
export const NOTHING_LEFT: EngineState = { containers: [], volumes: [], 'committed images': [], hostSegments: [] };
