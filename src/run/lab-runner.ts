// A whole run: connect to the engine, build the images, run the experiments concurrently, clean up, return the results.
import { setMaxListeners } from 'node:events';
import type { Say } from '../engine/host-tools.js';
import { UsageError } from '../errors.js';
import { hostIpcProbe } from '../lab/host-sysctls.js';
import { inTurns } from '../lab/in-turns.js';
import type { LabContext } from '../lab/lab-context.js';
import { SandboxPanicLogs } from '../lab/runtime-panics.js';
import { readSweep } from '../lab/sweep-lines.js';
import type { ImageVariant, UserProgram } from '../model/catalog.js';
import type { Experiment } from '../model/experiment.js';
import { FAMILIES, type FamilyName, familyOf, setUpOf } from '../model/family.js';
import type { ExperimentResult, RunResult } from '../model/result.js';
import { runExperiment } from './experiment-runner.js';
import { probeContainerKernel } from './kernel-probe.js';
import { openLab } from './lab.js';

export interface LabOptions {
  say: Say;
  /** The image variants the experiments' containers name (the catalog's `images`). */
  images: Readonly<Record<string, ImageVariant>>;
  /** The user's programs (`--experiments DIR`), put in every image's /bin beside shmlab's own. */
  userPrograms?: readonly UserProgram[];
  /** Called as each experiment finishes (in finishing order). */
  onResult?: (result: ExperimentResult, done: number, total: number) => void;
  /** Called once the engine is known, before any experiment runs. */
  onStart?: (environment: RunResult['environment'], total: number) => void;
  concurrency?: number;
  signal?: AbortSignal;
  /** How long to wait for any one answer of the engine (default DEFAULT_DEADLINE_MS). */
  deadlineMs?: number;
  /** Leave out the experiments that change the host's kernel parameters. */
  noHostChanges?: boolean;
  /**
   * The engine, as `--engine` names it: a Docker API engine (Docker, Podman) by its address, `{ family: 'docker-api',
   * address: 'unix:///var/run/docker.sock' }` (or tcp://host:port), or a CRI runtime by its socket, `{ family: 'cri',
   * address: 'unix:///run/containerd/containerd.sock' }`. Without it, `env` names the engine as for the command line.
   */
  engine?: { family: FamilyName; address: string };
  /**
   * Where the engine is when `engine` does not say, as Docker's and crictl's variables say it (CONTAINER_RUNTIME_ENDPOINT,
   * else DOCKER_HOST, else the default socket); default this process's. Only read: no run writes to any environment.
   */
  env?: NodeJS.ProcessEnv;
  /** containerd's ctr that imports images into a CRI runtime (default SHMLAB_CTR, else ctr on the PATH). */
  ctr?: string;
  /** What the host needed for the engine to run at all (said by whoever provisioned it), for the report. */
  workarounds?: string[];
  /** How the engine was set up (said by whoever provisioned it: a rootless engine's user), as `Key: value` lines. */
  details?: string[];
  /** The folder of the runtime's per-sandbox panic logs (gVisor), where the engine has one. */
  panicDir?: string;
}

export const DEFAULT_CONCURRENCY = 6;

export async function runLab(experiments: Experiment[], options: LabOptions): Promise<RunResult> {
  const started = Date.now();
  const { say } = options;
  const signal = options.signal ?? new AbortController().signal;
  // Every experiment's waits listen to it at once.
  setMaxListeners(0, signal);
  const variants = experiments.flatMap((e) => Object.values(e.containers).map((c) => c.image ?? 'lab')).filter((v) => !v.startsWith('@'));
  const lab = await openLab({
    say,
    images: options.images,
    ...(options.userPrograms ? { userPrograms: options.userPrograms } : {}),
    variants,
    deadlineMs: options.deadlineMs,
    signal: options.signal,
    env: options.engine ? engineEnv(options.engine, options.env) : options.env,
    ctr: options.ctr,
  });
  const { driver, session } = lab;
  const { environment } = lab;
  if (options.workarounds?.length) environment.workarounds = options.workarounds;
  if (options.details?.length) environment.details = [...(environment.details ?? []), ...options.details];
  const execsAlone = execsAloneOn(environment);
  if (execsAlone) environment.details = [...(environment.details ?? []), `Exec steps: each one an exec of its own (${execsAlone})`];
  const remover = lab.removeHostKeys;

  for (const line of readSweep(await lab.removeStale()).said) say(line);
  const probe = await probeContainerKernel(driver, lab.images.lab!, `shmlab-${session.runId}-kernel`, session.labels(), session.resources, signal);
  if (probe.kernel) environment.containerKernel = probe.kernel;
  else say(`could not read the kernel the containers see: ${probe.why}`);

  // A probe that fails is an error of the experiment that asked, with the helper's words, never a "not ours".
  const hostIpcIsOurs = hostIpcProbe(lab.hostIpc);
  const ctx: LabContext = {
    driver,
    session,
    family: familyOf(lab.kind),
    setUp: setUpOf(environment),
    images: lab.images,
    imageTags: lab.tags,
    markHostKey: lab.markHostKey,
    removeHostKeys: remover,
    signal,
    leftovers: [],
    hostIpcIsOurs,
    noHostChanges: options.noHostChanges,
    panics: options.panicDir ? new SandboxPanicLogs(options.panicDir) : undefined,
    ...(execsAlone ? { execsAlone } : {}),
  };
  options.onStart?.(environment, experiments.length);
  const results: ExperimentResult[] = [];
  try {
    const one = async (experiment: Experiment) => {
      if (signal.aborted) return;
      const result = await runExperiment(experiment, ctx);
      results.push(result);
      options.onResult?.(result, results.length, experiments.length);
    };
    // One that restarts the engine's daemon would fail the others' calls while it does: it runs after them, alone.
    await inTurns(longestFirst(experiments.filter((e) => !e.alone)), options.concurrency ?? DEFAULT_CONCURRENCY, one);
    for (const experiment of experiments.filter((e) => e.alone)) await one(experiment);
  } finally {
    ctx.leftovers.push(...(await session.resources.cleanup(remover)));
    await lab.close();
    for (const p of ctx.leftovers) say(`cleanup problem: ${p}`);
    if (ctx.leftovers.length) say(`some resources could not be removed; once the engine answers again, "shmlab clean" (or the next run) removes them`);
  }
  const order = new Map(experiments.map((e, i) => [e.slug, i]));
  results.sort((a, b) => order.get(a.slug)! - order.get(b.slug)!);
  return {
    format: 1,
    runId: session.runId,
    environment,
    privilege: driver.privilege,
    experiments: results,
    durationMs: Date.now() - started,
    leftovers: ctx.leftovers.length ? ctx.leftovers : undefined,
    incomplete: signal.aborted ? `interrupted (${String(signal.reason ?? 'signal')}) after ${results.length} of ${experiments.length} experiments` : undefined,
  };
}

/**
 * The variables the lab reads the engine from, naming `engine` alone: a copy, so that the host program's environment,
 * and whatever else in it reads DOCKER_HOST (testcontainers), is left as it is.
 */
function engineEnv(engine: NonNullable<LabOptions['engine']>, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (!Object.hasOwn(FAMILIES, engine.family)) {
    throw new UsageError(`The engine's family must be one of ${Object.keys(FAMILIES).join(', ')}, got ${JSON.stringify(engine.family)}.`);
  }
  // Empty, DOCKER_HOST would mean the default socket, which may be provisioned: an engine given is used as given.
  if (typeof engine.address !== 'string' || engine.address === '') {
    throw new UsageError(`The engine's address must name it (unix:///path or tcp://host:port), got ${JSON.stringify(engine.address)}.`);
  }
  const chosen = { ...env };
  // The other families' variables go: CONTAINER_RUNTIME_ENDPOINT would win over DOCKER_HOST.
  for (const family of Object.values(FAMILIES)) delete chosen[family.addressVariable];
  chosen[FAMILIES[engine.family].addressVariable] = engine.address;
  return chosen;
}

// The engine's costliest operations are container starts and commits: start the experiments that have the most
// first, so that no long one begins late and runs alone at the end (reports keep the usual order).
const COST: Partial<Record<string, number>> = { run: 3, start: 3, commit: 3 };
function longestFirst(experiments: readonly Experiment[]): Experiment[] {
  const cost = (e: Experiment) => e.steps.reduce((sum, step) => sum + (COST[step.do] ?? 1), 0);
  return [...experiments].sort((a, b) => cost(b) - cost(a));
}

/**
 * Where exec steps that follow each other do not share one exec (run-steps), and why: under gVisor (runsc) the
 * programs run-steps starts are processes its sandbox makes itself, and its 2024 release's sandbox crashed in several
 * more experiments when they did (README, Speed); an exec of each keeps what was observed before.
 */
export function execsAloneOn(environment: { ociRuntime?: { name: string } }): string | undefined {
  return environment.ociRuntime?.name === 'runsc' ? 'under runsc, shmlab runs no two programs in one exec' : undefined;
}
