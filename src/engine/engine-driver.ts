// Every operation an experiment performs on the engine, through testcontainers and its dockerode client.
import type Dockerode from 'dockerode';
import type { HostConfig } from 'dockerode';
import pRetry, { AbortError } from 'p-retry';
import type { ContainerRuntimeClient } from 'testcontainers';
import { demux } from './demux.js';
import { LabContainer } from './lab-container.js';

export interface RunOptions {
  name: string;
  image: string;
  cmd?: string[];
  labels: Record<string, string>;
  ipcMode?: string;
  hostConfig: HostConfig;
}

export interface ExecOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

// Errors the engine gives while it is briefly busy: worth one more try. Nothing else is retried.
const TRANSIENT = /is restarting|is not running.*starting|try again|connection reset|EAI_AGAIN|socket hang up/i;

export class EngineDriver {
  readonly dockerode: Dockerode;

  constructor(readonly client: ContainerRuntimeClient) {
    this.dockerode = client.container.dockerode;
  }

  /** Creates and starts a container; `onCreated` fires before start, so a refused start leaves a known id. */
  async run(options: RunOptions, onCreated: (id: string) => void): Promise<string> {
    let id = '';
    const container = new LabContainer(options.image, (created) => {
      id = created;
      onCreated(created);
    })
      .withName(options.name)
      .withLabels(options.labels)
      .withNetworkMode('none')
      .withHostConfig(options.hostConfig);
    if (options.cmd) container.withCommand(options.cmd);
    if (options.ipcMode) container.withIpcMode(options.ipcMode);
    await container.start();
    return id;
  }

  exec(id: string, cmd: string[]): Promise<ExecOutcome> {
    return retryTransient(() => this.client.container.exec(this.container(id), cmd));
  }

  stop(id: string): Promise<void> {
    return this.client.container.stop(this.container(id), { timeout: 10_000 });
  }

  start(id: string): Promise<void> {
    return this.client.container.start(this.container(id));
  }

  async kill(id: string): Promise<void> {
    await this.container(id).kill({ signal: 'SIGKILL' });
    await this.container(id).wait(); // kill returns before the container is down
  }

  async pause(id: string): Promise<void> {
    await this.container(id).pause();
  }

  async unpause(id: string): Promise<void> {
    await this.container(id).unpause();
  }

  async remove(id: string): Promise<void> {
    try {
      await this.container(id).remove({ force: true, v: true });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** The container's filesystem changes, as `docker diff` prints them. */
  async diff(id: string): Promise<string[]> {
    const changes: { Kind: number; Path: string }[] = (await this.container(id).changes()) ?? [];
    return changes.map((c) => `${'CAD'[c.Kind] ?? '?'} ${c.Path}`);
  }

  inspect(id: string): Promise<Dockerode.ContainerInspectInfo> {
    return this.container(id).inspect();
  }

  async logs(id: string): Promise<{ stdout: string; stderr: string }> {
    const raw = (await this.container(id).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return demux(raw);
  }

  /** Commits the container to a new image; returns its id. */
  commit(id: string, repo: string, tag: string, labels: Record<string, string>): Promise<string> {
    return this.client.container.commit(this.container(id), { repo, tag, changes: `LABEL ${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(' ')}` });
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.dockerode.createVolume({ Name: name, Labels: labels });
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.dockerode.getVolume(name).remove();
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await this.dockerode.getImage(ref).remove({ force: true });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private container(id: string): Dockerode.Container {
    return this.client.container.getById(id);
  }
}

export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 404;
}

/** Runs an engine call, retrying only the engine's transient errors (busy, still starting); anything else is thrown at once. */
export function retryTransient<T>(operation: () => Promise<T>): Promise<T> {
  return pRetry(
    async () => {
      try {
        return await operation();
      } catch (err) {
        if (TRANSIENT.test(String((err as Error).message))) throw err;
        throw new AbortError(err as Error);
      }
    },
    { retries: 3, minTimeout: 50, maxTimeout: 400 },
  );
}

/** The engine's own words from a dockerode error ("(HTTP code 500) server error - <message>"). */
export function engineWords(err: unknown): string {
  const e = err as { json?: { message?: string }; reason?: string; message?: string };
  return (e.json?.message ?? e.message ?? String(err)).trim();
}
