// shmlab's programmatic API: `import { runLab, CATALOG, renderMarkdown } from 'shmlab'`.
// runLab chooses the engine as the command line does (CONTAINER_RUNTIME_ENDPOINT, else DOCKER_HOST, else the default
// socket), runs the experiments and returns the results as data; nothing is written until writeReport is called.

import { CATALOG } from '../experiments/index.js';
import type { Experiment } from './model/experiment.js';
import type { RunResult } from './model/result.js';
import { type LabOptions, runLab as runLabWith } from './run/lab-runner.js';

export { CATALOG, catalogOf, EXPERIMENTS, selectExperiments } from '../experiments/index.js';
export type { Catalog } from './model/catalog.js';
// What an experiment is, and what a run returns.
export {
  type ContainerSpec,
  type ContainerState,
  type EngineKind,
  type Experiment,
  type IpcMode,
  type MemoryKind,
  type Operation,
  SECTIONS,
  type Step,
  type StepAction,
  type StepExpectation,
  type StepRecord,
  type SurvivalCell,
  type VolumeSpec,
} from './model/experiment.js';
export { type Capability, type FamilyName, familyOf } from './model/family.js';
export type { Difference, EngineEnvironment, ExperimentResult, PrivilegeMode, RunResult, Verdict } from './model/result.js';
// Where shmlab reads and writes, and its version.
export { CACHE, cacheDir, HARNESS_VERSION as VERSION, REPORTS } from './paths.js';
export { readReport } from './report/read-report.js';

// Reports: rendering, writing (atomically, as a markdown and JSON pair), reading back, and the matrix of several.
export { renderMarkdown } from './report/render-markdown.js';
export { renderMatrix } from './report/render-matrix.js';
export { ReportWriteError, type WrittenReport, writeReport } from './report/write-report.js';
// Running experiments.
export { DEFAULT_CONCURRENCY, type LabOptions } from './run/lab-runner.js';

/** Runs the experiments on the engine; the images are the catalog's unless `options.images` names others. */
export function runLab(experiments: Experiment[], options: Omit<LabOptions, 'images'> & Partial<Pick<LabOptions, 'images'>>): Promise<RunResult> {
  return runLabWith(experiments, { ...options, images: options.images ?? CATALOG.images });
}
// The verdict: a pure comparison of observations with expectations.
export { type Judgement, judge } from './verdict/judge.js';
