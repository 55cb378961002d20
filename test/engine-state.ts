// What shmlab might leave on an engine: its labelled containers, volumes and committed images, and the host's SysV segments.
import { LABEL, LABEL_RUN } from '../src/labels.js';
import { listAllHostSegments } from '../src/run/host-segments.js';
import { openLab, type Lab } from '../src/run/lab.js';

export interface EngineState {
  containers: string[];
  volumes: string[];
  committedImages: string[];
  /** Every segment key in the host's IPC namespace, shmlab's or not. */
  hostSegments: number[];
}

let lab: Promise<Lab> | undefined;

export async function engineDriver(): Promise<{ driver: Lab['driver']; labImage: string; lab: Lab }> {
  lab ??= openLab({ say: () => {} });
  const opened = await lab;
  return { driver: opened.driver, labImage: opened.images.lab!, lab: opened };
}

export async function engineState(): Promise<EngineState> {
  const { driver, labImage } = await engineDriver();
  const d = driver.dockerode;
  const filters = JSON.stringify({ label: [LABEL] });
  const segments = await listAllHostSegments(driver, labImage, {});
  return {
    containers: (await d.listContainers({ all: true, filters })).map((c) => c.Names[0] ?? c.Id),
    volumes: ((await d.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name),
    committedImages: (await d.listImages({ filters: JSON.stringify({ label: [LABEL_RUN] }) })).flatMap((i) => i.RepoTags ?? [i.Id]),
    hostSegments: segments.map((s) => s.key),
  };
}

/** What `after` has that `before` had not: the leftovers of whatever ran in between. */
export function leftovers(before: EngineState, after: EngineState): Partial<EngineState> {
  const added = <T>(a: T[], b: T[]) => b.filter((x) => !a.includes(x));
  return {
    containers: added(before.containers, after.containers),
    volumes: added(before.volumes, after.volumes),
    committedImages: added(before.committedImages, after.committedImages),
    hostSegments: added(before.hostSegments, after.hostSegments),
  };
}

export const NOTHING_LEFT = { containers: [], volumes: [], committedImages: [], hostSegments: [] };
