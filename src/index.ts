// shmlab's programmatic API: `import { runLab, CATALOG, renderMarkdown } from 'shmlab'`.
// runLab chooses the engine as the command line does (CONTAINER_RUNTIME_ENDPOINT, else DOCKER_HOST, else the default
// socket), runs the experiments and returns the results as data; nothing is written until writeReport is called.
// An ES module; a CommonJS user's `require('shmlab')` works where Node has require(esm) (20.19 and later).

import { CATALOG } from '../experiments/index.js';
import type { Experiment } from './model/experiment.js';
import type { RunResult } from './model/result.js';
import { type LabOptions, runLab as runLabWith } from './run/lab-runner.js';
import { loadUserExperiments as loadWith, type UserExperiments } from './run/user-experiments.js';

export { CATALOG, catalogOf, EXPERIMENTS, selectExperiments } from '../experiments/index.js';
// What a user experiment's folder that is not what it should be is told as (loadUserExperiments): one sentence.
export { UsageError } from './errors.js';
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
// JUnit XML of one or more runs, for CI systems (`--junit FILE`): the text, or written atomically.
export { renderJUnit, writeJUnit } from './report/junit.js';
export { readReport } from './report/read-report.js';

// Reports: rendering, writing (atomically, as a markdown and JSON pair), reading back, and the matrix of several.
export { renderMarkdown } from './report/render-markdown.js';
export { renderMatrix } from './report/render-matrix.js';
// A report checked against its JSON Schema (schema/report-v1.schema.json): what is wrong, as one clause, or nothing.
export { isReport, REPORT_SCHEMA_PATH, reportProblem } from './report/validate-report.js';
export { ReportWriteError, type WrittenReport, writeReport } from './report/write-report.js';
// Running experiments.
export { DEFAULT_CONCURRENCY, type LabOptions } from './run/lab-runner.js';
export type { UserExperiments } from './run/user-experiments.js';

/** Runs the experiments on the engine; the images are the catalog's unless `options.images` names others. */
export function runLab(experiments: Experiment[], options: Omit<LabOptions, 'images'> & Partial<Pick<LabOptions, 'images'>>): Promise<RunResult> {
  return runLabWith(experiments, { ...options, images: options.images ?? CATALOG.images });
}

/** How long a module may take to load (default 10 s), and a signal that ends the load. */
export type UserExperimentsOptions = NonNullable<Parameters<typeof loadWith>[2]>;

/**
 * Loads and checks a folder of user experiments, as `shmlab run --experiments DIR` does: every *.js or *.mjs file
 * default-exports an experiment or a list; their slugs must not be the catalog's, their containers' images must be its
 * images. Anything wrong is a UsageError of one sentence naming the file and the field. Their programs (DIR/bin,
 * DIR/c-src) are named in the result, not yet built.
 */
export function loadUserExperiments(dir: string, options: UserExperimentsOptions = {}): Promise<UserExperiments> {
  return loadWith(dir, { experiments: CATALOG.experiments, images: Object.keys(CATALOG.images) }, options);
}
// The verdict: a pure comparison of observations with expectations.
export { type Judgement, judge } from './verdict/judge.js';
