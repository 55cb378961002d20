// shmlab's programmatic API: `import { runLab, EXPERIMENTS, renderMarkdown } from 'shmlab'`.
// runLab chooses the engine as the command line does (CONTAINER_RUNTIME_ENDPOINT, else DOCKER_HOST, else the default
// socket), runs the experiments and returns the results as data; nothing is written until writeReport is called.

// Running experiments.
export { DEFAULT_CONCURRENCY, runLab, type LabOptions } from './run/lab-runner.js';
export { EXPERIMENTS, selectExperiments } from '../experiments/index.js';

// What an experiment is, and what a run returns.
export {
  SECTIONS,
  type ContainerSpec,
  type ContainerState,
  type EngineKind,
  type Experiment,
  type IpcMode,
  type MemoryKind,
  type Operation,
  type Step,
  type StepAction,
  type StepExpectation,
  type StepRecord,
  type SurvivalCell,
  type VolumeSpec,
} from './model/experiment.js';
export type { Difference, EngineEnvironment, ExperimentResult, PrivilegeMode, RunResult, Verdict } from './model/result.js';

// The verdict: a pure comparison of observations with expectations.
export { judge, type Judgement } from './verdict/judge.js';

// Reports: rendering, writing (atomically, as a markdown and JSON pair), reading back, and the matrix of several.
export { renderMarkdown } from './report/render-markdown.js';
export { renderMatrix } from './report/render-matrix.js';
export { ReportWriteError, writeReport, type WrittenReport } from './report/write-report.js';
export { readReport } from './report/read-report.js';

// Where shmlab reads and writes, and its version.
export { CACHE, HARNESS_VERSION as VERSION, REPORTS, cacheDir } from './paths.js';
