// Carries out one step of an experiment on the engine and records what happened, success or not, in one shape.
// It knows no engine kind: the driver does each operation and names the command that does the same.
import { engineWords } from '../engine/engine-words.js';
import { untilAborted } from '../engine/interruption.js';
import type { LabDriver } from '../engine/lab-driver.js';
import { shellQuote } from '../engine/shell-quote.js';
import { changeHostSysctls } from '../lab/host-sysctls.js';
import type { ResourceTracker } from '../lab/resource-tracker.js';
import { LABEL_EXPERIMENT } from '../labels.js';
import type { ContainerSpec, ContainerState, Experiment, Step, StepRecord } from '../model/experiment.js';
import type { LabContext } from './lab-context.js';

export { shellQuote } from '../engine/shell-quote.js';

const AWAIT_LIMIT_MS = 15_000;
const AWAIT_POLL_MS = 20;

/** The engine has no such operation (Kubernetes has no pause or commit): the experiment does not apply there. */
export class NotApplicableError extends Error {}

/** The state of one experiment while it runs: its containers, how often each was started, what it committed. */
export class ExperimentState {
  readonly ids = new Map<string, string>();
  readonly starts = new Map<string, number>();
  readonly committed = new Map<string, { id: string; tag: string }>();
  readonly grants = new Set<string>();
  /** What puts the host back as it was (host sysctls changed by a step), run at the experiment's end on every path. */
  readonly restores: (() => void)[] = [];
  private runs = 0;
  hostKey?: number;

  constructor(
    readonly experiment: Experiment,
    readonly ctx: LabContext,
    readonly resources: ResourceTracker,
  ) {}

  name(container: string): string {
    return `shmlab-${this.ctx.session.runId}-${this.experiment.slug}-${container}-${++this.runs}`;
  }

  volume(name: string): string {
    return `shmlab-${this.ctx.session.runId}-${this.experiment.slug}-${name}`;
  }

  id(container: string): string {
    const id = this.ids.get(container);
    if (!id) throw new Error(`experiment ${this.experiment.slug}: container ${container} is used before it is run`);
    return id;
  }

  spec(container: string): ContainerSpec {
    const spec = this.experiment.containers[container];
    if (!spec) throw new Error(`experiment ${this.experiment.slug}: no container named ${container}`);
    return spec;
  }
}

interface Observation {
  exitCode?: number | null;
  stdout?: string;
  stderr?: string;
  state?: ContainerState;
  skipped?: string;
}

export async function runStep(step: Step, state: ExperimentState): Promise<StepRecord> {
  const started = Date.now();
  const base = { id: step.id, action: step.do, container: step.container, why: step.why, startedAt: new Date(started).toISOString() };
  let command = defaultCommand(step, state);
  try {
    // A signal ends the wait at once for a step that creates nothing (an exec, a wait for logs): an engine that never
    // answers (a crashed sandbox's exec) must not hold the run until its deadline. The abandoned call ends at the
    // signal too where the driver listens to it (Docker API), else at its deadline; cleanup goes on with calls of its
    // own. A step that creates a container, pod or image is waited for (within its deadline, and a short while after
    // a signal on Docker API engines), so that cleanup knows what it made.
    const work = () => perform(step, state, (full) => (command = full));
    const seen = await (CREATES.has(step.do) ? work() : untilAborted(work, state.ctx.signal, 'while waiting for the engine'));
    return {
      ...base,
      command,
      exitCode: seen.exitCode === undefined ? 0 : seen.exitCode,
      stdout: seen.stdout ?? '',
      stderr: seen.stderr ?? '',
      state: seen.state,
      durationMs: Date.now() - started,
      engineFailed: false,
      ...(seen.skipped ? { skipped: seen.skipped } : {}),
    };
  } catch (err) {
    if (err instanceof NotApplicableError) throw err;
    const words = engineWords(err);
    const refused = step.do === 'run' && step.mayBeRefused !== undefined && isRefusal(err, step.mayBeRefused);
    return { ...base, command, exitCode: 1, stdout: '', stderr: words, durationMs: Date.now() - started, engineFailed: true, ...(refused ? { refused } : {}) };
  }
}

export { InterruptedError } from '../errors.js';

const CREATES = new Set<Step['do']>(['run', 'start', 'commit']);

// An operation the engine lacks: evidence steps are skipped, any other makes the experiment not applicable.
function lacking(step: Step, driver: LabDriver): Observation {
  const why = `${driver.kind === 'cri' ? 'Kubernetes (CRI)' : 'this engine'} has no ${step.do} operation`;
  if (step.evidence) return { skipped: `${why}; evidence only, the experiment goes on` };
  throw new NotApplicableError(`${why}, which step ${step.id} needs`);
}

async function perform(step: Step, s: ExperimentState, setCommand: (c: string) => void): Promise<Observation> {
  const { driver } = s.ctx;
  const handle = () => s.id(step.container);
  const describe = (cmd?: string[]) => setCommand(driver.commandFor(step.do, handle(), cmd) || defaultCommand(step, s));
  switch (step.do) {
    case 'run': {
      const spec = s.spec(step.container);
      const labels = s.ctx.session.labels({ [LABEL_EXPERIMENT]: s.experiment.slug });
      for (const { volume } of spec.volumes ?? []) {
        if (s.resources.volumes.has(s.volume(volume))) continue;
        await driver.createVolume(s.volume(volume), labels);
        s.resources.add('volumes', s.volume(volume));
      }
      const started = await driver.run({
        name: s.name(step.container),
        logicalName: step.container,
        spec,
        image: imageOf(spec, s),
        imageTag: tagOf(spec, s),
        labels,
        containerHandle: (name) => s.id(name),
        volumeName: (name) => s.volume(name),
        onCreated: (created) => {
          s.resources.add('containers', created);
          s.ids.set(step.container, created);
        },
      });
      setCommand(started.command);
      for (const g of started.grants) s.grants.add(g);
      s.starts.set(step.container, 1);
      const refusal = started.refusal ? `(--privileged refused: ${started.refusal}; run again with the nearest equivalent)\n` : '';
      return { stdout: `${refusal}${started.handle.slice(0, 12)}\n` };
    }
    case 'exec': {
      const key = step.cmd.some((arg) => arg.includes('{hostKey}')) ? await hostKey(s) : undefined;
      const cmd = step.cmd.map((arg) => arg.replaceAll('{hostKey}', String(key)));
      describe(cmd);
      const out = await driver.exec(handle(), cmd);
      return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr };
    }
    case 'stop':
      describe();
      await driver.stop(handle());
      return {};
    case 'start':
      describe();
      await driver.start(handle());
      s.starts.set(step.container, (s.starts.get(step.container) ?? 0) + 1);
      return {};
    case 'kill':
      describe();
      await driver.kill(handle());
      return {};
    case 'pause':
    case 'unpause': {
      const operation = driver[step.do]?.bind(driver);
      if (!operation) return lacking(step, driver);
      describe();
      await operation(handle());
      return {};
    }
    case 'remove': {
      const id = handle();
      describe();
      await driver.remove(id);
      s.resources.forget('containers', id);
      s.ids.delete(step.container);
      return {};
    }
    case 'diff': {
      if (!driver.diff) return lacking(step, driver);
      describe();
      return { stdout: (await driver.diff(handle())).map((line) => `${line}\n`).join('') };
    }
    case 'inspect': {
      describe();
      const view = await driver.inspect(handle());
      return { stdout: `${view.lines.join('\n')}\n`, state: view.state };
    }
    case 'logs': {
      describe();
      const logs = await driver.logs(handle());
      return { stdout: logs.stdout, stderr: logs.stderr };
    }
    case 'await':
      return awaitMarker(s, step.container, step.marker);
    case 'host-sysctls': {
      const ipc = await s.ctx.hostIpcIsOurs();
      if (!ipc.ours) {
        throw new NotApplicableError(
          `the engine's host IPC namespace is not this process's (its --ipc=host helper: ${ipc.seen}), and shmlab changes the host's sysctls only where it can put them back itself`,
        );
      }
      const change = await changeHostSysctls(step.set, s.ctx.session.lease);
      s.restores.push(change.restore);
      const keys = Object.keys(change.changed);
      s.grants.add(`changed the host's ${keys.join(', ')} for this experiment, and put them back at its end (--no-host-changes leaves it out)`);
      return { stdout: keys.map((k) => `${k}: ${change.changed[k]![0]} -> ${change.changed[k]![1]}\n`).join('') };
    }
    case 'commit': {
      if (!driver.commit) return lacking(step, driver);
      const tag = `${s.ctx.session.runId}-${step.as}`;
      const repo = `shmlab-commit/${s.experiment.slug}`;
      setCommand(`${driver.commandFor('commit', handle())} ${repo}:${tag}`);
      const id = await driver.commit(handle(), repo, tag, s.ctx.session.labels({ [LABEL_EXPERIMENT]: s.experiment.slug }));
      s.resources.add('images', id);
      s.committed.set(step.as, { id, tag: `${repo}:${tag}` });
      return { stdout: `${repo}:${tag}\n` };
    }
  }
}

// Readiness, not an observation: wait until the program has started once per start, or the container is gone.
async function awaitMarker(s: ExperimentState, container: string, marker: string): Promise<Observation> {
  const id = s.id(container);
  const wanted = s.starts.get(container) ?? 1;
  const deadline = Date.now() + AWAIT_LIMIT_MS;
  for (;;) {
    // The step was abandoned at the signal (untilAborted): no more asking.
    if (s.ctx.signal?.aborted) throw new Error(`stopped waiting for ${container}'s marker at the signal`);
    const view = await s.ctx.driver.inspect(id);
    const logs = await s.ctx.driver.logs(id);
    const seen = `${logs.stdout}${logs.stderr}`.split(marker).length - 1;
    const running = view.state === 'running';
    if (!running || seen >= wanted) {
      return { exitCode: running ? null : view.exitCode, stdout: logs.stdout, stderr: logs.stderr, state: view.state };
    }
    if (Date.now() > deadline) throw new Error(`container ${container} neither printed "${marker}" nor exited within ${AWAIT_LIMIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, AWAIT_POLL_MS));
  }
}

// Containers are created from image ids: a name could be pulled from a registry, an id cannot.
function imageOf(spec: ContainerSpec, s: ExperimentState): string {
  const name = spec.image ?? 'lab';
  const id = name.startsWith('@') ? s.committed.get(name.slice(1))?.id : s.ctx.images[name];
  if (!id) throw new Error(`experiment ${s.experiment.slug}: image ${name} is not available`);
  return id;
}

/** The image as a person would name it in the transcript. */
function tagOf(spec: ContainerSpec, s: ExperimentState): string {
  const name = spec.image ?? 'lab';
  return (name.startsWith('@') ? s.committed.get(name.slice(1))?.tag : s.ctx.imageTags[name]) ?? name;
}

async function hostKey(s: ExperimentState): Promise<number> {
  if (s.hostKey === undefined) {
    const key = s.ctx.session.allocateHostKey();
    await s.ctx.markHostKey(key, s.ctx.session.labels({ [LABEL_EXPERIMENT]: s.experiment.slug }));
    s.hostKey = key;
    s.resources.add('hostKeys', key);
    s.grants.add("a helper container in the host's IPC namespace removes this key's segment afterwards");
  }
  return s.hostKey;
}

/** The step in words before the driver has named it (a failure before that keeps this one). */
function defaultCommand(step: Step, s: ExperimentState): string {
  const handle = s.ids.get(step.container);
  if (step.do === 'run') return `(start ${step.container} of ${s.experiment.slug})`;
  if (step.do === 'await') return `(wait until ${step.container} prints "${step.marker}" or exits)`;
  if (step.do === 'host-sysctls')
    return `sysctl -w ${Object.entries(step.set)
      .map(([k, v]) => shellQuote(`${k}=${v}`))
      .join(' ')}    # on the host`;
  const named = handle ? s.ctx.driver.commandFor(step.do, handle, step.do === 'exec' ? step.cmd : undefined) : undefined;
  if (named) return named;
  return `${step.do} ${step.container}${step.do === 'exec' ? ` ${step.cmd.map(shellQuote).join(' ')}` : ''}`;
}

/**
 * A refusal is the engine's answer to this very request: an error answer whose words name the refused setting.
 * A deadline, a lost connection or a busy daemon ("context deadline exceeded") says nothing about the setting.
 * Docker API engines answer with an HTTP status, CRI runtimes with a gRPC status.
 */
export function isRefusal(err: unknown, names: RegExp): boolean {
  const e = err as { statusCode?: number; name?: string; code?: unknown };
  const http = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600;
  const grpc = e.name === 'CriError' && typeof e.code === 'string' && !/DEADLINE_EXCEEDED|UNAVAILABLE|CANCELLED/.test(e.code);
  const answered = http || grpc;
  return answered && names.test(engineWords(err));
}
