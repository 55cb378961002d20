// What every experiment of a run shares: the engine's driver, the images, the session, and how host keys are handled.
import type { LabDriver } from '../engine/lab-driver.js';
import type { FamilyName, SetUpName } from '../model/family.js';
import type { IpcAnswer } from './host-sysctls.js';
import type { LabSession } from './lab-session.js';
import type { HostKeyRemover } from './resource-tracker.js';
import type { PanicLog } from './runtime-panics.js';

export interface LabContext {
  driver: LabDriver;
  session: LabSession;
  /** How shmlab drives the engine: what experiments may require of it, and which expectations hold there. */
  family: FamilyName;
  /** The family's set-up where its expectations differ (rootless): applied after the family's. */
  setUp?: SetUpName;
  /** image variant -> image id (what containers are created from) */
  images: Record<string, string>;
  /** image variant -> tag (what transcripts show) */
  imageTags: Record<string, string>;
  /** Leaves a trace of a host key before its segment can exist (Docker: a marker volume), so a killed run's key is found. */
  markHostKey: (key: number, labels: Record<string, string>) => Promise<void>;
  removeHostKeys: HostKeyRemover;
  /** What could not be removed, for the run's summary. */
  leftovers: string[];
  /** Set when the run must stop (signal, lost engine): experiments end after their current step. */
  signal: AbortSignal;
  /**
   * Whether the engine's host IPC namespace is this process's (asked once, when an experiment needs to know). Rejects,
   * with the helper's words, when the probe itself failed: that is no answer, and never taken for "not ours".
   */
  hostIpcIsOurs: () => Promise<IpcAnswer>;
  /** Leave out the experiments that change the host's kernel parameters (`--no-host-changes`). */
  noHostChanges?: boolean;
  /** The runtime's panic log, where the engine has one: a crash during an experiment makes it an error. */
  panics?: PanicLog;
  /** Set where each exec step must be an exec of its own (never several in one, run-steps): the runtime, as the report says. */
  execsAlone?: string;
}
