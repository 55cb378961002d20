// The lab of a Docker API engine (Docker, Podman): connect, describe, build the images, and the helper in the host's
// IPC namespace; stale resources are found by label.
import { claimedImages } from '../build/image-builder.js';
import { processSignal } from '../engine/interruption.js';
import { DEFAULT_DEADLINE_MS } from '../engine/lab-driver.js';
import { releaseHostKeys } from '../lab/host-keys.js';
import type { Lab, LabSetup } from '../lab/lab.js';
import { LabSession } from '../lab/lab-session.js';
import { processLease } from '../lab/process-lease.js';
import { removeStaleLocal } from '../lab/stale-resources.js';
import { IMAGE_LABEL, LABEL, LABEL_HELPER, LABEL_RUN } from '../labels.js';
import { EngineDriver } from './docker-api.js';
import { connectEngine } from './docker-connection.js';
import { DockerDriver } from './docker-driver.js';
import { dockerHostIpc } from './docker-host-ipc.js';
import { buildImages, isClaimed } from './docker-images.js';
import { describeEngine } from './docker-info.js';
import { markHostKey, removeStaleDockerResources } from './docker-stale.js';

/** A Docker API engine's lab; `docker` is its API client (the tests inspect containers through it). */
export type DockerLab = Lab & { docker: EngineDriver };

export async function openDockerLab(setup: LabSetup): Promise<DockerLab> {
  const signal = setup.signal ?? processSignal();
  const lease = await processLease();
  const { address, client } = await connectEngine(setup.say, setup.deadlineMs, signal, setup.env ?? process.env);
  // Containers are created through this client too, never through testcontainers' process-wide one.
  const api = new EngineDriver(client, setup.deadlineMs ?? DEFAULT_DEADLINE_MS, signal);
  const { environment, lacks } = await api.call('describe the engine', () => describeEngine(api.dockerode, address.uri));
  const variants = [...new Set(['lab', ...(setup.variants ?? [])])];
  const { ids, tags } = await buildImages(api, variants, setup.say, lease, setup.images, setup.userPrograms);
  const driver = new DockerDriver(api, environment.kind === 'podman' ? 'podman' : 'docker', lacks);
  const session = new LabSession(driver, lease);
  const helperLabels = session.labels({ [LABEL_HELPER]: 'true' });
  const hostIpc = dockerHostIpc(api, ids.lab!, helperLabels);
  return {
    kind: environment.kind,
    driver,
    address: address.uri,
    environment,
    lease,
    session,
    images: ids,
    tags,
    helperLabels,
    hostIpc,
    markHostKey: (key, labels) => markHostKey(api, key, labels),
    removeHostKeys: async (keys) => {
      await releaseHostKeys(hostIpc, keys, api);
      for (const key of keys) lease.releaseHostKey(key);
    },
    removeStale: async () => {
      const docker = await removeStaleDockerResources(api, hostIpc);
      return [...docker.said, ...(await removeStaleLocal(hostIpc, docker.hostKeys))];
    },
    inventory: async () => {
      const filters = JSON.stringify({ label: [LABEL] });
      const d = api.dockerode;
      return {
        containers: (await api.call('list containers', () => d.listContainers({ all: true, filters }))).map((c) => c.Names[0] ?? c.Id),
        volumes: ((await api.call('list volumes', () => d.listVolumes({ filters }))).Volumes ?? []).map((v) => v.Name),
        'committed images': (await api.call('list images', () => d.listImages({ filters: JSON.stringify({ label: [LABEL_RUN] }) }))).flatMap(
          (i) => i.RepoTags ?? [i.Id],
        ),
      };
    },
    removeCachedImages: async () => {
      // Listed first, claims read after (an image is claimed before it is built).
      const images = await api.call('list images', () => api.dockerode.listImages({ filters: JSON.stringify({ label: [IMAGE_LABEL] }) }));
      const inUse = claimedImages(lease.id);
      const removable = images.filter((i) => !isClaimed(i, inUse));
      // One at a time: the variants share their parent layers, and two removals at once race to delete the parent
      // ("unrecognized image ID").
      for (const image of removable) await api.removeImage(image.Id);
      return { removed: removable.length, kept: images.length - removable.length };
    },
    docker: api,
    close: async () => {},
  };
}
