// Results are data: what each step did, and the verdict computed from it.
import type { EngineKind, StepRecord } from './experiment.js';

/** `not applicable`: the engine has no such operation (Kubernetes has no pause or commit); not a verdict on it. */
export type Verdict = 'as expected' | 'differs' | 'error' | 'not applicable';

export interface Difference {
  step: string;
  means: string;
  /** "exit code: expected 10, got 0" */
  detail: string;
}

export interface ExperimentResult {
  slug: string;
  verdict: Verdict;
  observed: string;
  /** The outcome in a word or two, for the matrix's cell (the experiment's `brief`), where it has one. */
  brief?: string;
  differences: Difference[];
  /** For `error`: what went wrong with the engine or the harness. */
  error?: string;
  steps: StepRecord[];
  durationMs: number;
  /** What the containers were granted beyond the defaults (least privilege, stated). */
  grants: string[];
  /** Set when this engine has its own expectation for the experiment. */
  engineNote?: string;
  /** Markdown, for `differs`: what the engine did instead of the expectation, and what that means for a user. */
  instead?: string;
}

export interface PrivilegeMode {
  mode: 'privileged' | 'equivalent' | 'not needed' | 'unknown';
  /** Why the equivalent was used (the engine's own words when it refused --privileged), or why it is unknown. */
  reason?: string;
}

export interface EngineEnvironment {
  kind: EngineKind;
  /** For CRI engines: the runtime's own name (containerd, cri-o). */
  runtimeName?: string;
  /** Further facts of the engine, as `Key: value` lines (CRI: runtime handler, cgroup driver, restrict_oom_score_adj). */
  details?: string[];
  /** Where the engine was reached (DOCKER_HOST or the socket). */
  address: string;
  serverVersion: string;
  apiVersion: string;
  operatingSystem: string;
  kernel: string;
  storageDriver: string;
  cgroupVersion: string;
  runtime: string;
  /** The OCI runtime the containers ran under, as the engine names it: its name, version and the arguments it is given. */
  ociRuntime?: { name: string; version?: string; args?: string[] };
  /** The kernel the containers see (`/proc/sys/kernel/osrelease` read inside one): a sandboxing runtime reports its own. */
  containerKernel?: string;
  /** The engine runs as an unprivileged user, in a user namespace of its own (its own word: `name=rootless`). */
  rootless?: true;
  /** What this host needed for the engine to run at all, stated so that a reader can weigh the results. */
  workarounds?: string[];
  harnessVersion: string;
  date: string;
}

export interface RunResult {
  /** Version of the JSON report format (docs: reports/README.md). */
  format: 1;
  runId: string;
  environment: EngineEnvironment;
  privilege: PrivilegeMode;
  experiments: ExperimentResult[];
  durationMs: number;
  /** What the run could not remove (the engine failed); the next run or `shmlab clean` removes it. */
  leftovers?: string[];
  /** Set when the run stopped early (interrupted, engine lost). */
  incomplete?: string;
}
