// Every experiment: the blog's shared-memory article (A), its kernel-parameter article (B), beyond it (C), and what only a Kubernetes pod can answer (D). The slug names its file, its test, and its report section.
import type { Catalog } from '../src/model/catalog.js';
import type { Experiment } from '../src/model/experiment.js';
import { commitImage } from './commit-image.js';
import { hostSysctlNotInherited } from './host-sysctl-not-inherited.js';
import { IMAGES } from './images.js';
import { initHook } from './init-hook.js';
import { ipcFamilyPause } from './ipc-family-pause.js';
import { ipcFamilyRestart } from './ipc-family-restart.js';
import { ipcHost } from './ipc-host.js';
import { ipcShareable } from './ipc-shareable.js';
import { killRestart } from './kill-restart.js';
import { mmapRecreate } from './mmap-recreate.js';
import { mmapRestart } from './mmap-restart.js';
import { pauseUnpause } from './pause-unpause.js';
import { pgDevShm } from './pg-dev-shm.js';
import { pgRestart } from './pg-restart.js';
import { podDevShm } from './pod-dev-shm.js';
import { podDevShmEmptydir } from './pod-dev-shm-emptydir.js';
import { podLayerRestart } from './pod-layer-restart.js';
import { podRestartIpc } from './pod-restart-ipc.js';
import { podRuntimeRestart } from './pod-runtime-restart.js';
import { podSandboxRecreated } from './pod-sandbox-recreated.js';
import { podShmAccumulates } from './pod-shm-accumulates.js';
import { podShmMemoryLimit } from './pod-shm-memory-limit.js';
import { podSidecarHolds } from './pod-sidecar-holds.js';
import { podSysctl } from './pod-sysctl.js';
import { podUserns } from './pod-userns.js';
import { posixShmRestart } from './posix-shm-restart.js';
import { privilegedNotPersisted } from './privileged-not-persisted.js';
import { procsysReadonly } from './procsys-readonly.js';
import { shmRmidForced } from './shm-rmid-forced.js';
import { shmgetEinval } from './shmget-einval.js';
import { startupScript } from './startup-script.js';
import { SURVIVAL } from './survival.js';
import { sysctlFlag } from './sysctl-flag.js';
import { sysctlIpcHostRefused } from './sysctl-ipc-host-refused.js';
import { sysctlJoinedNamespace } from './sysctl-joined-namespace.js';
import { sysvRestart } from './sysv-restart.js';

export const EXPERIMENTS: readonly Experiment[] = [
  sysvRestart,
  mmapRestart,
  shmgetEinval,
  procsysReadonly,
  privilegedNotPersisted,
  startupScript,
  initHook,
  sysctlFlag,
  ipcHost,
  ipcShareable,
  posixShmRestart,
  mmapRecreate,
  pauseUnpause,
  killRestart,
  commitImage,
  ipcFamilyRestart,
  ipcFamilyPause,
  hostSysctlNotInherited,
  sysctlIpcHostRefused,
  sysctlJoinedNamespace,
  shmRmidForced,
  podRestartIpc,
  podDevShm,
  podSysctl,
  podLayerRestart,
  podShmAccumulates,
  podShmMemoryLimit,
  podDevShmEmptydir,
  podSandboxRecreated,
  podRuntimeRestart,
  podSidecarHolds,
  podUserns,
  pgDevShm,
  pgRestart,
];

/** shmlab's catalog: its experiments, the survival table's texts, the image variants. */
export const CATALOG: Catalog = { experiments: EXPERIMENTS, survival: SURVIVAL, images: IMAGES };

/** The catalog with other experiments than shmlab's own (a user's, or a test's). */
export function catalogOf(experiments: readonly Experiment[]): Catalog {
  return { ...CATALOG, experiments };
}

/**
 * The experiments named by slug, in the order given (all of them when none is named); an unknown slug is the caller's
 * error. `user`: experiments loaded with --experiments, chosen from as the built-in ones are.
 */
export function selectExperiments(slugs?: readonly string[], user: readonly Experiment[] = []): Experiment[] {
  const all = [...EXPERIMENTS, ...user];
  if (!slugs || slugs.length === 0) return all;
  const known = new Map(all.map((e) => [e.slug, e]));
  const unknown = slugs.filter((s) => !known.has(s));
  if (unknown.length) {
    throw new RangeError(
      `Unknown experiment${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; run "shmlab list" to see them (${[...known.keys()].join(', ')}).`,
    );
  }
  return slugs.map((s) => known.get(s)!);
}
