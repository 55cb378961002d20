// The driver's records of its pods and their containers, and its options: shared by the driver and what acts on a pod.
import type { ContainerConfig, PodSandboxConfig } from './cri-types.js';
import type { PodClaims } from './pod-removal.js';
import type { PodPlace } from './pod-spec.js';

export interface CriDriverOptions {
  /** The engine's name (e.g. containerd-1.6): part of the cgroup parent. */
  name: string;
  /** The daemon's data folder: pod logs go to <dataRoot>/pods/<pod>, emptyDir volumes to <dataRoot>/emptydir/<pod>/<volume>. */
  dataRoot: string;
  /** CRI runtime handler ('' = the runtime's default). */
  runtimeHandler?: string;
  /** The cgroup parent of all this driver's pods (each gets <cgroupRoot>/pod<uid>); default /shmlab/<name>. */
  cgroupRoot?: string;
  stopTimeoutSeconds?: number;
  execTimeoutSeconds?: number;
  /** The sandbox image the runtime is configured with; checked before the first pod, since a missing one would be pulled. */
  sandboxImage?: string;
  /** Each pod is recorded here before it is asked for, so that what a killed run made is found (its lease). */
  claims?: PodClaims;
  /** Whose network the pods' NODE network namespace is, for the grants (e.g. the runtime daemon's own, with loopback only). */
  network?: string;
  /** How to restart the runtime daemon (only one shmlab started) and the command that does it, or why it cannot be. */
  runtimeRestart?: { run: () => Promise<string>; command: string } | { whyNot: string };
}

export interface Pod {
  id: string;
  place: PodPlace;
  /** The logical name of the container it was made for: its shell variable in the transcript. */
  owner: string;
  config: PodSandboxConfig;
  members: Set<string>;
}

export interface Entry {
  handle: string;
  logicalName: string;
  pod: Pod;
  config: ContainerConfig;
  /** The current attempt's container ('' until created). */
  containerId: string;
  /** Every attempt's log file: `docker logs` shows all starts, so does ours. */
  logPaths: string[];
}
