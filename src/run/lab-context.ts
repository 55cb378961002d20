// What every experiment of a run shares: the engine, the images, the privilege mode, the session.
import type { EngineDriver } from '../engine/engine-driver.js';
import type { EngineKind } from '../model/experiment.js';
import type { PrivilegeResolver } from './privilege-probe.js';
import type { LabSession } from './lab-session.js';
import type { HostKeyRemover } from './resource-tracker.js';

export interface LabContext {
  driver: EngineDriver;
  session: LabSession;
  engine: EngineKind;
  /** image variant -> image id (what containers are created from) */
  images: Record<string, string>;
  /** image variant -> tag (what transcripts show) */
  imageTags: Record<string, string>;
  /** Runs privileged containers, learning from the first whether this host allows --privileged. */
  privilege: PrivilegeResolver;
  removeHostKeys: HostKeyRemover;
  /** What could not be removed, for the run's summary. */
  leftovers: string[];
  /** Set when the run must stop (signal, lost engine): experiments end after their current step. */
  signal: AbortSignal;
}
