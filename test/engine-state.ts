// What shmlab might leave on an engine: its labelled containers, volumes and committed images, and the host's SysV segments.
import { buildImages } from '../src/build/image-builder.js';
import { connectEngine } from '../src/engine/engine-connection.js';
import { EngineDriver } from '../src/engine/engine-driver.js';
import { listAllHostSegments } from '../src/run/host-segments.js';
import { LABEL } from '../src/run/lab-session.js';

export interface EngineState {
  containers: string[];
  volumes: string[];
  committedImages: string[];
  /** Every segment key in the host's IPC namespace, shmlab's or not. */
  hostSegments: number[];
}

let driver: EngineDriver | undefined;
let labImage: string | undefined;

export async function engineDriver(): Promise<{ driver: EngineDriver; labImage: string }> {
  if (!driver) {
    driver = new EngineDriver((await connectEngine(() => {})).client);
    labImage = (await buildImages(driver.dockerode, ['lab'], () => {})).tags.lab;
  }
  return { driver, labImage: labImage! };
}

export async function engineState(): Promise<EngineState> {
  const { driver, labImage } = await engineDriver();
  const d = driver.dockerode;
  const filters = JSON.stringify({ label: [LABEL] });
  const segments = await listAllHostSegments(driver, labImage, {});
  return {
    containers: (await d.listContainers({ all: true, filters })).map((c) => c.Names[0] ?? c.Id),
    volumes: ((await d.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name),
    committedImages: (await d.listImages({ filters: JSON.stringify({ label: ['org.shmlab.run'] }) })).flatMap((i) => i.RepoTags ?? [i.Id]),
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
