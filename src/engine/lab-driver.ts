// What the runner needs of an engine, whatever its kind: the Docker API (Docker, Podman) and CRI (containerd,
// CRI-O) both implement it, so that runner, verdicts and reports know no engine kind.

import type { ContainerSpec, ContainerState, StepAction } from '../model/experiment.js';
import type { Capability } from '../model/family.js';
import type { PrivilegeMode } from '../model/result.js';

/** How long shmlab waits for any one answer of the engine unless told otherwise (`--timeout`). */
export const DEFAULT_DEADLINE_MS = 60_000;

/**
 * A pod refused by admission, which shmlab applies in the place of components that do not run here (the API server,
 * the kubelet) before any call to the runtime: a refusal, in their words, not the engine's.
 */
export class AdmissionRefusal extends Error {
  override readonly name = 'AdmissionRefusal';
}

export interface ExecOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The program's stdout as bytes, where the driver has them: run-steps' frames count bytes, not characters. */
  stdoutBytes?: Buffer;
}

/** A container to start, as the experiment declares it, with names resolved for this run. */
export interface ContainerRequest {
  /** Unique in the run (e.g. shmlab-<run>-<slug>-<container>-<n>). */
  name: string;
  /** The container's name in the experiment, for the transcript. */
  logicalName: string;
  spec: ContainerSpec;
  /** The image reference the driver's own image step returned for the spec's variant (never a pullable name). */
  image: string;
  /** The image as a person names it, for the transcript. */
  imageTag?: string;
  labels: Record<string, string>;
  /** The handle of another container of the experiment (for `ipc: container:<name>`). */
  containerHandle: (logicalName: string) => string;
  /** The engine's name of a volume of the experiment. */
  volumeName: (volume: string) => string;
  /** Send it without the admission shmlab applies in the kubelet's place (CRI): to see what the runtime answers. */
  skipAdmission?: boolean;
  /** Called as soon as the container exists, before it starts, so that a refused start is still cleaned up. */
  onCreated: (handle: string) => void;
  /**
   * Called with the CLI command that does the same, and the grants, as soon as they are known and before the engine is
   * asked: a refused start's transcript shows what was asked, not a placeholder.
   */
  onCommand?: (command: string, grants: string[]) => void;
}

export interface StartedContainer {
  /** The driver's handle for this container: stays valid across stop/start (a kubelet-style restart included). */
  handle: string;
  /** What the engine's CLI would print for it (the container's id), where the handle is not that. */
  shown?: string;
  /** The engine's CLI command that does the same (`docker run …`, `crictl runp …; crictl create …`), pasteable. */
  command: string;
  /** What it was granted beyond an unprivileged default (least privilege, stated in the report). */
  grants: string[];
  /** Set when --privileged was refused and the nearest equivalent was used: the engine's words. */
  refusal?: string;
}

export interface ContainerView {
  state: ContainerState;
  exitCode: number | null;
  /** `Key: value` lines shown in the transcript (state, IPC mode, storage, mounts). */
  lines: string[];
}

export interface LabDriver {
  readonly kind: string;
  /** Whether privileged containers ran as such or as the nearest equivalent (learnt from the first one). */
  readonly privilege: PrivilegeMode;
  /** The engine's CLI command for a step on an existing container, for the transcript. */
  commandFor(action: StepAction, handle: string, cmd?: string[]): string;
  /** Creates and starts a container; privilege (or its nearest equivalent) is resolved here. */
  run(request: ContainerRequest): Promise<StartedContainer>;
  /**
   * Runs a program in the container. `programs`: how many it runs one after another (run-steps), each given the deadline
   * one exec has; its output so far goes with a failure as `partialStdout` (Buffer) where the driver has it.
   */
  exec(handle: string, cmd: string[], programs?: number): Promise<ExecOutcome>;
  stop(handle: string): Promise<void>;
  /** Starts a stopped container again (Docker: the same container; CRI: a new attempt in the same sandbox). */
  start(handle: string): Promise<void>;
  kill(handle: string): Promise<void>;
  remove(handle: string): Promise<void>;
  inspect(handle: string): Promise<ContainerView>;
  logs(handle: string): Promise<{ stdout: string; stderr: string }>;
  createVolume(name: string, labels: Record<string, string>): Promise<void>;
  removeVolume(name: string): Promise<void>;
  /** Operations an engine may not have (Kubernetes has no pause or commit): absent means "not applicable". */
  pause?(handle: string): Promise<void>;
  unpause?(handle: string): Promise<void>;
  diff?(handle: string): Promise<string[]>;
  commit?(handle: string, repo: string, tag: string, labels: Record<string, string>): Promise<string>;
  /** Pods only: the sandbox of the container's pod dies (its pause process killed); says what was killed. */
  killSandbox?(handle: string): Promise<string>;
  /**
   * Pods only: what the kubelet does with a sandbox that is not ready: stops the pod's containers and its sandbox, runs a
   * new sandbox for the same pod (same UID, attempt + 1) and the containers again (attempt + 1); says what it did.
   */
  recreateSandbox?(handle: string): Promise<string>;
  /** The runtime daemon restarted while its pods run, where shmlab started it; says what it did. */
  restartRuntime?(): Promise<string>;
  /** Why the runtime cannot be restarted here (started outside shmlab), where restartRuntime is absent. */
  readonly noRuntimeRestart?: string;
  /** Images a commit made (Docker API engines only). */
  removeImage?(ref: string): Promise<void>;
  /** Why this engine lacks a capability its family has (a runtime without user namespaces), or undefined. */
  lacks?(need: Capability): string | undefined;
}
