// The lab, assembled once for whoever needs the engine (a run, `clean`, the tests, the soak): the driver with its
// deadline, this process's lease, a session, the images, the helper that reaches the host's IPC namespace, and the
// engine's own way of finding what killed runs left. Docker API engines and CRI runtimes differ only in here.
import { buildImages, claimedImages, isClaimed } from '../build/image-builder.js';
import { DEFAULT_DEADLINE_MS, EngineDriver } from '../docker/docker-api.js';
import { connectEngine } from '../docker/docker-connection.js';
import { DockerDriver } from '../docker/docker-driver.js';
import { dockerHostIpc } from '../docker/docker-host-ipc.js';
import { describeEngine } from '../docker/docker-info.js';
import { markHostKey, removeStaleDockerResources } from '../docker/docker-stale.js';
import type { Say } from '../engine/host-tools.js';
import { processSignal } from '../engine/interruption.js';
import type { LabDriver } from '../engine/lab-driver.js';
import { releaseHostKeys } from '../lab/host-keys.js';
import type { HostIpc } from '../lab/host-segments.js';
import { LabSession } from '../lab/lab-session.js';
import { type ProcessLease, processLease } from '../lab/process-lease.js';
import type { HostKeyRemover } from '../lab/resource-tracker.js';
import { removeStaleLocal } from '../lab/stale-resources.js';
import { IMAGE_LABEL, LABEL, LABEL_HELPER, LABEL_RUN } from '../labels.js';
import type { ImageVariant } from '../model/catalog.js';
import type { EngineKind } from '../model/experiment.js';
import type { EngineEnvironment } from '../model/result.js';

export interface Lab {
  kind: EngineKind;
  driver: LabDriver;
  address: string;
  environment: EngineEnvironment;
  lease: ProcessLease;
  session: LabSession;
  /** image variant -> image id */
  images: Record<string, string>;
  /** image variant -> tag, for people */
  tags: Record<string, string>;
  /** Labels of the helper that runs in the host's IPC namespace. */
  helperLabels: Record<string, string>;
  /** Runs a shell script in the host's IPC namespace, through the engine. */
  hostIpc: HostIpc;
  markHostKey: (key: number, labels: Record<string, string>) => Promise<void>;
  /** Removes host keys through the helper (and their markers), and gives up the lease's claim on them. */
  removeHostKeys: HostKeyRemover;
  /** Removes what runs proven dead left on this engine and this host; one line per kind removed. */
  removeStale: () => Promise<string[]>;
  /** What of shmlab is on the engine now, by kind (containers, volumes, pods…): for leftover checks. */
  inventory: () => Promise<Record<string, string[]>>;
  /** Removes cached images that no live process claims (`clean`); returns how many went and how many stayed. */
  removeCachedImages: () => Promise<{ removed: number; kept: number }>;
  /** The Docker API client, on Docker API engines. */
  docker?: EngineDriver;
  close: () => Promise<void>;
}

export interface LabSetup {
  say: Say;
  /** Image variants needed besides `lab` (the helper's image). */
  variants?: string[];
  deadlineMs?: number;
  env?: NodeJS.ProcessEnv;
  /** containerd's ctr for a CRI runtime's image imports (default SHMLAB_CTR, else ctr on the PATH). */
  ctr?: string;
  /** The image variants (the catalog's): the containers' images are built or imported from them. */
  images: Readonly<Record<string, ImageVariant>>;
  /** Ends every wait at once (the run's signal); without one, the command line's first SIGINT/SIGTERM/SIGHUP does. */
  signal?: AbortSignal;
}

/** A CRI runtime when CONTAINER_RUNTIME_ENDPOINT names one (crictl's convention), else a Docker API engine. */
export async function openLab(setup: LabSetup): Promise<Lab> {
  const endpoint = (setup.env ?? process.env).CONTAINER_RUNTIME_ENDPOINT;
  if (endpoint !== undefined) return (await import('../cri/cri-lab.js')).openCriLab(setup, endpoint);
  return openDockerLab(setup);
}

async function openDockerLab(setup: LabSetup): Promise<Lab> {
  const signal = setup.signal ?? processSignal();
  const lease = await processLease();
  const { address, client } = await connectEngine(setup.say, setup.deadlineMs, signal, setup.env ?? process.env);
  const api = new EngineDriver(client, setup.deadlineMs ?? DEFAULT_DEADLINE_MS, signal);
  const environment = await api.call('describe the engine', () => describeEngine(api.dockerode, address.uri));
  const variants = [...new Set(['lab', ...(setup.variants ?? [])])];
  const { ids, tags } = await buildImages(api, variants, setup.say, lease, setup.images);
  const driver = new DockerDriver(api, environment.kind === 'podman' ? 'podman' : 'docker');
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
