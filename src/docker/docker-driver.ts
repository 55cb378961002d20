// The lab on a Docker API engine (Docker, Podman): containers as `docker run` makes them, privilege learnt from the
// engine's answer to the first privileged container, and every step as the docker command that does the same.

import type { ContainerRequest, ContainerView, ExecOutcome, LabDriver, StartedContainer } from '../engine/lab-driver.js';
import { PrivilegeResolver } from '../engine/privilege.js';
import { shellQuote } from '../engine/shell-quote.js';
import type { ContainerState, StepAction } from '../model/experiment.js';
import type { Capability } from '../model/family.js';
import type { PrivilegeMode } from '../model/result.js';
import { containerConfig } from './container-config.js';
import type { EngineDriver } from './docker-api.js';

/**
 * The network every container of a Docker API engine has, as EngineDriver.run asks for it: the API's NetworkDisabled
 * and HostConfig.NetworkMode "none" (`docker run --network none`): no interface but loopback, in a namespace of its own.
 */
export const NETWORK_GRANT = 'no network (NetworkDisabled, NetworkMode none: its own empty network namespace)';

export class DockerDriver implements LabDriver {
  readonly kind = 'docker-api';
  private readonly resolver = new PrivilegeResolver(
    (words) =>
      `this engine could not start a --privileged container on this host (the engine said: "${words}"), so the privileged experiments use the nearest equivalent: CAP_SYS_ADMIN and no read-only or masked paths (--cap-add SYS_ADMIN --security-opt systempaths=unconfined)`,
  );
  /** handle (container id) -> the container's name in the experiment, for the transcript */
  private readonly names = new Map<string, string>();

  /** `cli`: the engine's own command line (`docker`, or `podman`, whose Docker API shmlab drives), for the transcript. */
  constructor(
    readonly api: EngineDriver,
    readonly cli: 'docker' | 'podman' = 'docker',
    private readonly lacking: Partial<Record<Capability, string>> = {},
  ) {}

  /** What this engine's containers cannot be given here (no cgroups when rootless on cgroup v1), as the engine said. */
  lacks(need: Capability): string | undefined {
    return this.lacking[need];
  }

  get privilege(): PrivilegeMode {
    return this.resolver.mode;
  }

  async run(request: ContainerRequest): Promise<StartedContainer> {
    const { spec } = request;
    let command = '';
    let grants: string[] = [];
    let created = '';
    const start = async (privilege: PrivilegeMode) => {
      const config = containerConfig(spec, privilege, { container: request.containerHandle, volume: request.volumeName });
      command = [
        `${this.cli} run -d --name`,
        request.logicalName,
        ...config.flags,
        request.imageTag ?? request.image,
        ...(spec.cmd ?? []).map(shellQuote),
      ].join(' ');
      grants = config.grants;
      request.onCommand?.(command, [NETWORK_GRANT, ...grants]);
      return this.api.run(
        { name: request.name, image: request.image, cmd: spec.cmd, ipcMode: config.ipcMode, hostConfig: config.hostConfig, labels: request.labels },
        (id) => {
          created = id;
          this.names.set(id, request.logicalName);
          request.onCreated(id);
        },
      );
    };
    // A refused --privileged start leaves a created container: removed before the equivalent runs.
    const discard = async () => {
      if (created) await this.api.remove(created);
    };
    let refusal: string | undefined;
    const handle = spec.privileged ? await this.resolver.run(start, discard, (words) => (refusal = words)) : await start({ mode: 'not needed' });
    return { handle, command, grants: [NETWORK_GRANT, ...grants], refusal };
  }

  exec(handle: string, cmd: string[], programs = 1): Promise<ExecOutcome> {
    return this.api.exec(handle, cmd, this.api.deadlineMs * programs);
  }

  stop(handle: string): Promise<void> {
    return this.api.stop(handle);
  }

  start(handle: string): Promise<void> {
    return this.api.start(handle);
  }

  kill(handle: string): Promise<void> {
    return this.api.kill(handle);
  }

  async remove(handle: string): Promise<void> {
    await this.api.remove(handle);
    this.names.delete(handle);
  }

  pause(handle: string): Promise<void> {
    return this.api.pause(handle);
  }

  unpause(handle: string): Promise<void> {
    return this.api.unpause(handle);
  }

  diff(handle: string): Promise<string[]> {
    return this.api.diff(handle);
  }

  commit(handle: string, repo: string, tag: string, labels: Record<string, string>): Promise<string> {
    return this.api.commit(handle, repo, tag, labels);
  }

  async inspect(handle: string): Promise<ContainerView> {
    const info = await this.api.inspect(handle);
    const data = (info.GraphDriver?.Data ?? {}) as Record<string, string>;
    const lines = [
      `State: ${info.State.Status}`,
      `IpcMode: ${info.HostConfig.IpcMode ?? ''}`,
      `GraphDriver: ${info.GraphDriver?.Name ?? 'unknown'}`,
      ...(data.UpperDir ? [`UpperDir: ${data.UpperDir}`] : []),
      ...(info.Mounts ?? []).map((m) => `Mount: ${m.Type} ${m.Name ?? m.Source} -> ${m.Destination}`),
    ];
    return { state: stateOf(info.State.Status), exitCode: info.State.Running ? null : info.State.ExitCode, lines };
  }

  logs(handle: string): Promise<{ stdout: string; stderr: string }> {
    return this.api.logs(handle);
  }

  createVolume(name: string, labels: Record<string, string>): Promise<void> {
    return this.api.createVolume(name, labels);
  }

  removeVolume(name: string): Promise<void> {
    return this.api.removeVolume(name);
  }

  removeImage(ref: string): Promise<void> {
    return this.api.removeImage(ref);
  }

  commandFor(
    action: StepAction,
    handle: string | undefined,
    cmd: string[] = [],
    logicalName = handle ? (this.names.get(handle) ?? handle.slice(0, 12)) : '?',
  ): string {
    return dockerCommand(action, logicalName, cmd, this.cli);
  }
}

/** A step as the docker CLI command that does the same, by the container's name in the experiment. */
export function dockerCommand(action: StepAction, container: string, cmd: string[] = [], cli: 'docker' | 'podman' = 'docker'): string {
  switch (action) {
    case 'exec':
      return `${cli} exec ${container} ${cmd.map(shellQuote).join(' ')}`;
    case 'kill':
      return `${cli} kill ${container}`;
    case 'remove':
      return `${cli} rm -f ${container}`;
    case 'commit':
      return `${cli} commit ${container}`;
    case 'run':
      return `${cli} run -d ${container}`;
    case 'await':
      return `(wait until ${container} prints its marker or exits)`;
    default:
      return `${cli} ${action} ${container}`;
  }
}

/**
 * The engine's status in the report's words: Podman's "stopped" is exited; a passing state (restarting, removing,
 * dead) is told as running or exited, so that no report is lost to a state its format has no word for.
 */
function stateOf(status: string): ContainerState {
  if (status === 'running' || status === 'paused' || status === 'created' || status === 'exited') return status;
  return status === 'restarting' ? 'running' : 'exited';
}
