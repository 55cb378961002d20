// Provisions the matrix's engines on this machine, each by its family's own set-up (src/docker, src/cri), chosen by
// the entry's kind from a table: a new kind is a row here and its family's code, nothing else.
import { join } from 'node:path';
import { provisionContainerd, stopContainerd } from '../cri/containerd-provisioner.js';
import { type StartedEngine, startDockerd, startPodman, stopDockerApiEngine } from '../docker/engine-setup.js';
import { stopRootlessEngine } from '../docker/rootless-setup.js';
import { canProvision } from '../engine/host-tools.js';
import { EngineUnavailableError } from '../errors.js';
import type { EngineEntry, EngineEntryKind } from '../model/engine-entry.js';
import type { FamilyName } from '../model/family.js';
import type { RunOptionsFile } from '../model/run-options-file.js';

/** Where shmlab's own daemons live: short paths, since unix socket paths are limited. */
const ENGINES_HOME = '/var/lib/shmlab';

const homeOf = (entry: EngineEntry) => join(ENGINES_HOME, entry.name);

type Say = (line: string) => void;

/** How each kind of engines.json entry is driven, started and stopped. */
const SETUPS: Record<
  EngineEntryKind,
  { family: FamilyName; start: (entry: EngineEntry, say: Say) => Promise<StartedEngine>; stop: (entry: EngineEntry, say: Say) => Promise<boolean> }
> = {
  docker: {
    family: 'docker-api',
    start: (e, say) => startDockerd(e, homeOf(e), say),
    stop: (e, say) => (e.rootless ? stopRootlessEngine(homeOf(e), say) : stopDockerApiEngine(homeOf(e))),
  },
  podman: {
    family: 'docker-api',
    start: (e, say) => startPodman(e, homeOf(e), say),
    stop: (e, say) => (e.rootless ? stopRootlessEngine(homeOf(e), say) : stopDockerApiEngine(homeOf(e))),
  },
  containerd: {
    family: 'cri',
    start: async (e, say) => {
      // An entry without an address names its suite (engines-file checks it).
      const running = await provisionContainerd({ name: e.name, from: e.from!, runtime: e.runtime }, say);
      return { address: running.address, pid: running.pid, startedHere: running.startedHere, ctr: running.bin.ctr, workarounds: running.workarounds };
    },
    stop: (e, say) => stopContainerd(e.name, undefined, say),
  },
};

/** A running engine, and what a shmlab run against it is told (the engine, and what the host needed for it). */
export type ProvisionedEngine = StartedEngine & { run: Omit<RunOptionsFile, 'resultFile' | 'experimentsDir'> };

export async function provisionEngine(entry: EngineEntry, say: Say): Promise<ProvisionedEngine> {
  const daemon = await startEngine(entry, say);
  return {
    ...daemon,
    run: {
      engine: { family: SETUPS[entry.kind].family, address: daemon.address },
      ...(daemon.ctr ? { ctr: daemon.ctr } : {}),
      // What this host needed for the engine to run at all: the run states it in its report's environment.
      ...(daemon.workarounds?.length ? { workarounds: daemon.workarounds } : {}),
      ...(daemon.panicDir ? { panicDir: daemon.panicDir } : {}),
      ...(daemon.details?.length ? { details: daemon.details } : {}),
    },
  };
}

async function startEngine(entry: EngineEntry, say: Say): Promise<StartedEngine> {
  if (entry.address) return { address: entry.address, startedHere: false };
  if (!canProvision())
    throw new EngineUnavailableError(
      `Cannot provision ${entry.name} here: shmlab installs engines as root on Debian only; give it with --engine ${entry.name}=unix:///path instead.`,
    );
  return SETUPS[entry.kind].start(entry, say);
}

/** Stops an engine shmlab started; `say` tells what stopping it needed (a containerd's shims ended by pid). */
export async function stopEngine(entry: EngineEntry, say: Say = () => {}): Promise<boolean> {
  if (entry.address) return false;
  return SETUPS[entry.kind].stop(entry, say);
}
