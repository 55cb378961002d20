// What an experiment is: containers, the steps taken on them, and what is expected of each observation.
// Experiments are data (see experiments/); the runner interprets them and never decides an outcome.
import type { Capability, EngineKind, ExpectationKey, FamilyName } from './family.js';

export type { EngineKind } from './family.js';

/** How a container's IPC namespace is set up (the engine's IpcMode). `container:<name>` names another container of the same experiment. */
export type IpcMode = 'private' | 'shareable' | 'host' | `container:${string}`;

export interface ContainerSpec {
  /** Image variant from experiments/images.ts, or `@<name>` for an image a `commit` step made. Default `lab`. */
  image?: string;
  /** Overrides the image's CMD. */
  cmd?: string[];
  ipc?: IpcMode;
  sysctls?: Record<string, string>;
  /** Privileged, or its nearest equivalent where the engine cannot start privileged containers on this host. */
  privileged?: boolean;
  shmSizeBytes?: number;
  /** A memory limit (Docker's `--memory`, with as much for memory and swap; CRI's LinuxContainerResources.memory_limit_in_bytes). */
  memoryLimitBytes?: number;
  /** Named volumes, created for this run and removed after it. */
  volumes?: VolumeSpec[];
  /**
   * Pods only: `false` gives the pod a user namespace of its own (Kubernetes' `hostUsers: false`, CRI's
   * NamespaceOption.userns_options), and with it a network namespace of its own.
   */
  hostUsers?: false;
  /** Pods only: `Unmasked` is Kubernetes' `procMount: Unmasked` (no masked or read-only paths under /proc). */
  procMount?: 'Unmasked';
}

/**
 * A volume of the experiment: Docker's named volume, Kubernetes' emptyDir. `medium: 'Memory'` is a tmpfs of
 * `sizeBytes` (Kubernetes' emptyDir with `medium: Memory` and a `sizeLimit`; Docker's `--tmpfs`).
 */
export interface VolumeSpec {
  volume: string;
  target: string;
  medium?: 'Memory';
  sizeBytes?: number;
}

interface StepBase {
  /** Unique within the experiment; expectations refer to it. */
  id: string;
  container: string;
  /** One line saying why this step is here, shown in the transcript. */
  why?: string;
  /**
   * Evidence only (the engine's own view, such as `docker diff`): on an engine that has no such operation the step
   * is skipped and the experiment goes on. Any other step such an engine cannot take makes the experiment
   * not applicable there.
   */
  evidence?: true;
  /**
   * Engines on which this step is not taken, each with why: its outcome there would be fixed by how shmlab drives that
   * engine, not observed (Kubernetes has no private IPC mode to refuse a join). It is recorded as skipped, and its
   * expectations do not apply there.
   */
  skipOn?: Partial<Record<FamilyName, string>>;
}

export type Step =
  /**
   * Create and start the container (a new one each time). `mayBeRefused`: the words that name the setting the engine
   * may refuse; such a refusal (the engine's error answer naming it) is an observation, anything else an engine error.
   */
  | (StepBase & {
      do: 'run';
      mayBeRefused?: RegExp;
      /**
       * Sent to the engine without the admission shmlab applies in the kubelet's place (on CRI): what the runtime itself
       * answers to a pod a cluster would have refused before it.
       */
      skipAdmission?: true;
    })
  /** Run a program inside the running container. `{hostKey}` in cmd is replaced by this run's own host-namespace key. */
  | (StepBase & { do: 'exec'; cmd: string[] })
  /** Wait until the container's logs show `marker` once per start, or it has exited. */
  | (StepBase & { do: 'await'; marker: string })
  | (StepBase & { do: 'commit'; as: string })
  /**
   * Changes the host's sysctls (IPC ones) for the rest of the experiment; they are put back at its end on every path.
   * Only where the engine's host IPC namespace is shmlab's own; `--no-host-changes` leaves such experiments out.
   */
  | (StepBase & { do: 'host-sysctls'; set: Record<string, string> })
  /**
   * This run's host-key segment (made by an earlier exec with `{hostKey}`) as the host sees it: its owner and creator
   * ids from /proc/sysvipc/shm of shmlab's own IPC namespace; with `removeAs`, that host uid tries to remove it (`ipcrm`).
   * Only where the engine's host IPC namespace is shmlab's own: elsewhere it is skipped, and the experiment goes on.
   */
  | (StepBase & { do: 'host-segment'; removeAs?: number })
  | (StepBase & { do: 'stop' | 'start' | 'kill' | 'pause' | 'unpause' | 'remove' | 'diff' | 'inspect' | 'logs' })
  /**
   * The pod's sandbox dies (its pause process killed, as an OOM kill or a crash would), then the kubelet's answer to a
   * sandbox that is not ready: stop the pod, run a new sandbox for the same pod (same UID, attempt + 1) and its
   * containers again (attempt + 1). Pods only.
   */
  | (StepBase & { do: 'kill-sandbox' | 'recreate-sandbox' })
  /** The runtime daemon restarted while its pods run (only one shmlab started itself; elsewhere not applicable). */
  | (StepBase & { do: 'restart-runtime' });

export type StepAction = Step['do'];

/** What one observation must look like. Absent fields are not checked. */
export interface StepExpectation {
  step: string;
  /** What this expectation means, in words ("the segment is gone after the restart"). */
  means: string;
  /** 'non-zero' where only failure matters, not which code a shell picks. */
  exitCode?: number | 'non-zero';
  /** For engine operations: true when the engine must refuse, false when it must accept. */
  refused?: boolean;
  stdout?: string | RegExp;
  stderr?: string | RegExp;
  /** Matched against stdout and stderr together. */
  output?: string | RegExp;
  /** For `await` and `inspect`: whether the container is running or has exited. */
  state?: ContainerState;
}

export type ContainerState = 'running' | 'exited' | 'paused' | 'created';

/** One cell of the survival table: the kind of memory, the operation, and the step whose read tells. */
export interface SurvivalCell {
  kind: MemoryKind;
  operation: Operation;
  step: string;
  /** The step that wrote the data: where it failed, there was nothing to keep or lose, and the cell says so. */
  written: string;
  /** What the read prints when the data is kept (default: the probes' a..z). */
  kept?: string;
}

export type MemoryKind =
  | 'sysv-private'
  | 'sysv-sem'
  | 'sysv-msg'
  | 'posix-mq'
  | 'sysv-host'
  | 'sysv-holder'
  | 'posix-shm'
  | 'mmap-layer'
  | 'mmap-volume'
  | 'memory-volume';
/** `sandbox`: the pod's sandbox re-created (its pause process died); `runtime`: the runtime daemon restarted. */
export type Operation = 'restart' | 'pause' | 'kill' | 'recreate' | 'commit' | 'sandbox' | 'runtime';

/** The three groups of experiments, as the reports name them. */
export const SECTIONS: Record<Experiment['section'], string> = {
  A: "the blog's article on shared memory in containers",
  B: "the blog's article on changing kernel parameters in containers",
  C: 'beyond the blog: the answers its open questions were waiting for',
  D: 'Kubernetes pods: the questions only a pod can answer',
};

/**
 * What ran an experiment, as its report's environment says: the engine family, the engine (docker, podman,
 * containerd, …), its version, and the OCI runtime (runc, crun, runsc, …). Text about an engine's or a runtime's
 * internals is chosen by it, so that a report never tells one engine's internals as another's.
 */
export interface Stack {
  kind: EngineKind;
  /** How shmlab drove it: text keyed by family reads this, not the kind. */
  family: FamilyName;
  engine: string;
  version: string;
  runtime: string;
}

export interface Experiment {
  slug: string;
  title: string;
  /** A: the blog's shared-memory article; B: its kernel-parameter article; C: beyond the blog (see SECTIONS). */
  section: 'A' | 'B' | 'C' | 'D';
  /** The blog article (or open question) this reproduces. */
  source: string;
  blogSaw: string;
  expectedToday: string;
  /** Markdown: why engines behave so, in words true of every engine it applies to (no engine's internals). */
  explanation: string;
  /**
   * Markdown: how the engine and runtime that ran do it (which component checks or refuses what, with the source of
   * that version), for the stack given; undefined where nothing is known of it. Never one engine's text for another.
   */
  internals?: (stack: Stack) => string | undefined;
  containers: Record<string, ContainerSpec>;
  steps: Step[];
  expect: StepExpectation[];
  /**
   * Replaces entries of `expect` (by step id) on one engine family, where families legitimately differ (a Kubernetes
   * pod keeps what a Docker restart loses), or on a set-up of one (rootless), applied after its family's; `drop`: step
   * ids whose common expectations do not apply there.
   */
  expectOn?: Partial<Record<ExpectationKey, { why: string; expect: StepExpectation[]; drop?: string[] }>>;
  /** What it needs of an engine family beyond the basic operations; a family that lacks one says why (not applicable). */
  requires?: Capability[];
  /** It changes the host's kernel parameters for a moment (restored afterwards): `--no-host-changes` leaves it out. */
  changesHost?: true;
  /** It disturbs the engine for every other experiment (it restarts the runtime daemon): run after the others, alone. */
  alone?: true;
  /**
   * A short phrase for the summary table, computed from the observations only: a step that did not run is `not run`,
   * one the engine failed is `engine error`; never a word the observations do not support.
   */
  observe: (steps: ReadonlyMap<string, StepRecord>) => string;
  /**
   * The outcome in a word or two for the matrix's cell (at most 12 characters: `kept`, `lost`, `EINVAL`, `refused`),
   * from the observations only, as `observe`; `not run` and `engine error` as there. Where engines differ, cells with
   * the same verdict and brief did the same as far as the matrix's row says; the full phrase stays below the grid.
   */
  brief?: (steps: ReadonlyMap<string, StepRecord>) => string;
  /**
   * Markdown for a `differs` verdict, from the observations only: what the engine did instead of the expectation and
   * what that means for a user. Undefined where the observations say nothing more than the differences do.
   */
  whenDiffers?: (steps: ReadonlyMap<string, StepRecord>) => string | undefined;
  survival?: SurvivalCell[];
}

export interface StepRecord {
  id: string;
  /** The step's action; `cleanup` for what shmlab did on the host after the steps (put back sysctls, removed a segment). */
  action: StepAction | 'cleanup';
  container: string;
  /** The same step as a docker CLI command, for the reader. */
  command: string;
  why?: string;
  /** Program exit code for exec; 0 or 1 for engine operations (1: the engine refused or failed). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** The engine refused or failed this operation; stderr holds its words. */
  engineFailed: boolean;
  /** The failure was the engine's refusal of a setting the step declared it may refuse (`mayBeRefused`). */
  refused?: boolean;
  /** The refusal was admission's, applied by shmlab in the place of the API server and the kubelet: nothing was sent to the engine. */
  admission?: true;
  /** The container's state after the step, where the step looks at it. */
  state?: ContainerState;
  /** Set when the engine has no such operation: why the step was not taken (evidence steps only). */
  skipped?: string;
  /**
   * The one exec that ran this step with the exec steps beside it (`run-steps A ; B …`, as the engine's CLI command):
   * each program still ran as its own process, and this record is its own outcome.
   */
  sharedExec?: string;
  startedAt: string;
}
