// Carries out one step of an experiment on the engine and records what happened, success or not, in one shape.
import { engineWords } from '../engine/engine-driver.js';
import { LABEL_EXPERIMENT } from '../labels.js';
import type { ContainerSpec, ContainerState, Experiment, Step, StepRecord } from '../model/experiment.js';
import type { PrivilegeMode } from '../model/result.js';
import { containerConfig } from './container-config.js';
import type { LabContext } from './lab-context.js';
import { markHostKey } from './host-keys.js';
import type { ResourceTracker } from './resource-tracker.js';

const AWAIT_LIMIT_MS = 15_000;
const AWAIT_POLL_MS = 20;

/** The state of one experiment while it runs: its containers, how often each was started, what it committed. */
export class ExperimentState {
  readonly ids = new Map<string, string>();
  readonly starts = new Map<string, number>();
  readonly committed = new Map<string, { id: string; tag: string }>();
  readonly grants = new Set<string>();
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
}

export async function runStep(step: Step, state: ExperimentState): Promise<StepRecord> {
  const started = Date.now();
  const base = { id: step.id, action: step.do, container: step.container, why: step.why, startedAt: new Date(started).toISOString() };
  let command = commandOf(step, state);
  try {
    const seen = await perform(step, state, (full) => (command = full));
    return { ...base, command, exitCode: seen.exitCode === undefined ? 0 : seen.exitCode, stdout: seen.stdout ?? '', stderr: seen.stderr ?? '', state: seen.state, durationMs: Date.now() - started, engineFailed: false };
  } catch (err) {
    const words = engineWords(err);
    const refused = step.do === 'run' && step.mayBeRefused !== undefined && isRefusal(err, step.mayBeRefused);
    return { ...base, command, exitCode: 1, stdout: '', stderr: words, durationMs: Date.now() - started, engineFailed: true, ...(refused ? { refused } : {}) };
  }
}

async function perform(step: Step, s: ExperimentState, setCommand: (c: string) => void): Promise<Observation> {
  const { driver } = s.ctx;
  switch (step.do) {
    case 'run': {
      const spec = s.spec(step.container);
      const image = imageOf(spec, s);
      const shown = tagOf(spec, s);
      for (const { volume } of spec.volumes ?? []) {
        if (s.resources.volumes.has(s.volume(volume))) continue;
        await driver.createVolume(s.volume(volume), s.ctx.session.labels({ [LABEL_EXPERIMENT]: s.experiment.slug }));
        s.resources.add('volumes', s.volume(volume));
      }
      const start = async (privilege: PrivilegeMode) => {
        const config = containerConfig(spec, privilege, { container: (n) => s.id(n), volume: (n) => s.volume(n) });
        setCommand(['docker run -d --name', step.container, ...config.flags, shown, ...(spec.cmd ?? []).map(shellQuote)].join(' '));
        const id = await driver.run(
          { name: s.name(step.container), image, cmd: spec.cmd, ipcMode: config.ipcMode, hostConfig: config.hostConfig, labels: s.ctx.session.labels({ [LABEL_EXPERIMENT]: s.experiment.slug }) },
          (created) => {
            s.resources.add('containers', created);
            s.ids.set(step.container, created);
          },
        );
        config.grants.forEach((g) => s.grants.add(g));
        return id;
      };
      // A refused --privileged start leaves a created container: remove it before the equivalent runs.
      const discard = async () => {
        const refused = s.ids.get(step.container);
        if (refused) {
          await driver.remove(refused);
          s.resources.forget('containers', refused);
        }
      };
      let refusal = '';
      const onRefused = (words: string) => (refusal = `(--privileged refused: ${words}; run again with the nearest equivalent)\n`);
      const id = spec.privileged ? await s.ctx.privilege.run(start, discard, onRefused) : await start({ mode: 'not needed' });
      s.starts.set(step.container, 1);
      return { stdout: `${refusal}${id.slice(0, 12)}\n` };
    }
    case 'exec': {
      const key = step.cmd.some((arg) => arg.includes('{hostKey}')) ? await hostKey(s) : undefined;
      const cmd = step.cmd.map((arg) => arg.replaceAll('{hostKey}', String(key)));
      setCommand(`docker exec ${step.container} ${cmd.map(shellQuote).join(' ')}`);
      const out = await driver.exec(s.id(step.container), cmd);
      return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr };
    }
    case 'stop':
      await driver.stop(s.id(step.container));
      return {};
    case 'start':
      await driver.start(s.id(step.container));
      s.starts.set(step.container, (s.starts.get(step.container) ?? 0) + 1);
      return {};
    case 'kill':
      await driver.kill(s.id(step.container));
      return {};
    case 'pause':
      await driver.pause(s.id(step.container));
      return {};
    case 'unpause':
      await driver.unpause(s.id(step.container));
      return {};
    case 'remove': {
      const id = s.id(step.container);
      await driver.remove(id);
      s.resources.forget('containers', id);
      s.ids.delete(step.container);
      return {};
    }
    case 'diff':
      return { stdout: (await driver.diff(s.id(step.container))).map((line) => `${line}\n`).join('') };
    case 'inspect': {
      const info = await driver.inspect(s.id(step.container));
      const data = (info.GraphDriver?.Data ?? {}) as Record<string, string>;
      const lines = [
        `State: ${info.State.Status}`,
        `IpcMode: ${info.HostConfig.IpcMode ?? ''}`,
        `GraphDriver: ${info.GraphDriver?.Name ?? 'unknown'}`,
        ...(data.UpperDir ? [`UpperDir: ${data.UpperDir}`] : []),
        ...(info.Mounts ?? []).map((m) => `Mount: ${m.Type} ${m.Name ?? m.Source} -> ${m.Destination}`),
      ];
      return { stdout: `${lines.join('\n')}\n`, state: stateOf(info.State.Status) };
    }
    case 'logs': {
      const logs = await driver.logs(s.id(step.container));
      return { stdout: logs.stdout, stderr: logs.stderr };
    }
    case 'await':
      return awaitMarker(s, step.container, step.marker);
    case 'commit': {
      const tag = `${s.ctx.session.runId}-${step.as}`;
      const repo = `shmlab-commit/${s.experiment.slug}`;
      setCommand(`docker commit ${step.container} ${repo}:${tag}`);
      const id = await driver.commit(s.id(step.container), repo, tag, s.ctx.session.labels({ [LABEL_EXPERIMENT]: s.experiment.slug }));
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
    const info = await s.ctx.driver.inspect(id);
    const logs = await s.ctx.driver.logs(id);
    const seen = `${logs.stdout}${logs.stderr}`.split(marker).length - 1;
    if (!info.State.Running || seen >= wanted) {
      return { exitCode: info.State.Running ? null : info.State.ExitCode, stdout: logs.stdout, stderr: logs.stderr, state: stateOf(info.State.Status) };
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
    await markHostKey(s.ctx.driver, key, s.ctx.session.labels({ [LABEL_EXPERIMENT]: s.experiment.slug }));
    s.hostKey = key;
    s.resources.add('hostKeys', key);
    s.grants.add("a helper container in the host's IPC namespace (--ipc=host) removes this key's segment afterwards");
  }
  return s.hostKey;
}

/** The step as a docker CLI command, before its details are known. */
function commandOf(step: Step, s: ExperimentState): string {
  switch (step.do) {
    case 'exec':
      return `docker exec ${step.container} ${step.cmd.map(shellQuote).join(' ')}`;
    case 'diff':
    case 'inspect':
    case 'logs':
    case 'stop':
    case 'start':
    case 'pause':
    case 'unpause':
      return `docker ${step.do} ${step.container}`;
    case 'kill':
      return `docker kill ${step.container}`;
    case 'remove':
      return `docker rm -f ${step.container}`;
    case 'await':
      return `(wait until ${step.container} prints "${step.marker}" or exits)`;
    case 'commit':
      return `docker commit ${step.container}`;
    case 'run':
      return `docker run -d ${s.experiment.slug}/${step.container}`;
  }
}

/**
 * A refusal is the engine's answer to this very request: an HTTP error status whose words name the refused setting.
 * A deadline, a lost connection or a busy daemon ("context deadline exceeded") says nothing about the setting.
 */
export function isRefusal(err: unknown, names: RegExp): boolean {
  const status = (err as { statusCode?: number }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 && names.test(engineWords(err));
}

/** The engine's word for a container's state; Podman says "stopped" for a container that has exited. */
export function stateOf(status: string): ContainerState {
  return (status === 'stopped' ? 'exited' : status) as ContainerState;
}

/** An argument as a shell would need it, so that a transcript's command can be pasted as it is. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\-./=:@,+%]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
