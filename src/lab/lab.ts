// What a run, `clean`, the tests and the soak are given by an engine family: the driver with its deadline, this
// process's lease, a session, the images, the helper that reaches the host's IPC namespace, and the family's own way
// of finding what killed runs left. Each family builds it in its own folder (src/docker, src/cri).
import type { Say } from '../engine/host-tools.js';
import type { LabDriver } from '../engine/lab-driver.js';
import type { ImageVariant, UserProgram } from '../model/catalog.js';
import type { EngineKind } from '../model/experiment.js';
import type { EngineEnvironment } from '../model/result.js';
import type { HostIpc } from './host-segments.js';
import type { LabSession } from './lab-session.js';
import type { ProcessLease } from './process-lease.js';
import type { HostKeyRemover } from './resource-tracker.js';

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
  /** The user's programs (`--experiments DIR`), put in every image's /bin beside shmlab's own. */
  userPrograms?: readonly UserProgram[];
  /** Ends every wait at once (the run's signal); without one, the command line's first SIGINT/SIGTERM/SIGHUP does. */
  signal?: AbortSignal;
}
