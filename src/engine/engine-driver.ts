// Every operation an experiment performs on the engine, through testcontainers and its dockerode client.

import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import type { HostConfig } from 'dockerode';
import pRetry, { AbortError } from 'p-retry';
import type { ContainerRuntimeClient } from 'testcontainers';
import { demux } from './demux.js';
import { LabContainer } from './lab-container.js';

/** How long shmlab waits for any one answer of the engine unless told otherwise (`--timeout`). */
export const DEFAULT_DEADLINE_MS = 60_000;

export { EngineTimeoutError } from '../errors.js';

import { EngineTimeoutError } from '../errors.js';

export interface RunOptions {
  name: string;
  image: string;
  cmd?: string[];
  labels: Record<string, string>;
  ipcMode?: string;
  hostConfig: HostConfig;
}

export type { ExecOutcome } from './lab-driver.js';

import type { ExecOutcome } from './lab-driver.js';

/** What a runtime prints when it, not the program, failed an exec (runc/crun's OCI error, gVisor's sandbox gone). */
const RUNTIME_EXEC_FAILED = /OCI runtime exec failed|urpc method "[^"]+" failed|waiting on PID \d+ in sandbox/;

// Errors the engine gives while it is briefly busy: worth one more try. Nothing else is retried.
const TRANSIENT = /is restarting|is not running.*starting|try again|connection reset|EAI_AGAIN|socket hang up/i;

export class EngineDriver {
  readonly dockerode: Dockerode;

  constructor(
    readonly client: ContainerRuntimeClient,
    readonly deadlineMs: number = DEFAULT_DEADLINE_MS,
  ) {
    this.dockerode = client.container.dockerode;
    // A backstop under every request: a socket silent for longer than the deadline is closed.
    (this.dockerode.modem as { timeout?: number }).timeout = deadlineMs + 5000;
  }

  /** One engine call with a deadline: past it, the call fails with what was waited for. */
  call<T>(what: string, operation: () => Promise<T>, deadlineMs = this.deadlineMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new EngineTimeoutError(`the engine did not answer (${what}) within ${deadlineMs / 1000} s`)), deadlineMs);
    });
    return Promise.race([operation(), deadline]).finally(() => clearTimeout(timer));
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
    await this.call(`start a container of ${options.image.slice(0, 19)}`, () => container.start());
    return id;
  }

  /**
   * Runs a program in the container, once: creating the exec instance has no effect and may be retried, starting it
   * is never repeated (a program that ran must not run twice), and only the read of its exit code is retried.
   */
  async exec(id: string, cmd: string[]): Promise<ExecOutcome> {
    const what = `exec ${cmd[0] ?? ''}`;
    const exec = await retryTransient(() => this.call(what, () => this.container(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true })));
    const output = await this.call(what, async () => {
      const stream = (await exec.start({ Detach: false, Tty: false })) as NodeJS.ReadableStream;
      const out = new PassThrough();
      const err = new PassThrough();
      const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
      out.on('data', (c: Buffer) => chunks.stdout.push(c));
      err.on('data', (c: Buffer) => chunks.stderr.push(c));
      this.dockerode.modem.demuxStream(stream, out, err);
      await new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
      return { stdout: Buffer.concat(chunks.stdout).toString(), stderr: Buffer.concat(chunks.stderr).toString() };
    });
    const info = await retryTransient(() => this.call(`${what} (exit code)`, () => exec.inspect()));
    const exitCode = info.ExitCode ?? -1;
    // The runtime, not the program, failed (a crashed gVisor sandbox: "urpc method … WaitPID failed: EOF"): an engine
    // failure, never an observation of the program.
    if (exitCode >= 126 && exitCode <= 128 && RUNTIME_EXEC_FAILED.test(output.stdout + output.stderr)) {
      throw new Error(`the runtime failed the exec (exit ${exitCode}): ${(output.stdout + output.stderr).trim()}`);
    }
    return { exitCode, ...output };
  }

  stop(id: string): Promise<void> {
    return this.call('stop', () => this.client.container.stop(this.container(id), { timeout: 10_000 }));
  }

  start(id: string): Promise<void> {
    return this.call('start', () => this.client.container.start(this.container(id)));
  }

  async kill(id: string): Promise<void> {
    await this.call('kill', async () => {
      await this.container(id).kill({ signal: 'SIGKILL' });
      await this.container(id).wait(); // kill returns before the container is down
    });
  }

  async pause(id: string): Promise<void> {
    await this.call('pause', () => this.container(id).pause());
  }

  async unpause(id: string): Promise<void> {
    await this.call('unpause', () => this.container(id).unpause());
  }

  async remove(id: string): Promise<void> {
    await this.call('remove a container', () => ignoreGone(this.container(id).remove({ force: true, v: true })));
  }

  /** The container's filesystem changes, as `docker diff` prints them. */
  async diff(id: string): Promise<string[]> {
    const changes: { Kind: number; Path: string }[] = (await this.call('diff', () => this.container(id).changes())) ?? [];
    return changes.map((c) => `${'CAD'[c.Kind] ?? '?'} ${c.Path}`);
  }

  inspect(id: string): Promise<Dockerode.ContainerInspectInfo> {
    return retryTransient(() => this.call('inspect', () => this.container(id).inspect()));
  }

  async logs(id: string): Promise<{ stdout: string; stderr: string }> {
    const raw = (await this.call('logs', () => this.container(id).logs({ stdout: true, stderr: true, follow: false }))) as unknown as Buffer;
    return demux(raw);
  }

  /** Commits the container to a new image; returns its id (containers are created from ids, never from pullable names). */
  commit(id: string, repo: string, tag: string, labels: Record<string, string>): Promise<string> {
    return this.call('commit', () =>
      this.client.container.commit(this.container(id), {
        repo,
        tag,
        changes: `LABEL ${Object.entries(labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(' ')}`,
      }),
    );
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.call('create a volume', () => this.dockerode.createVolume({ Name: name, Labels: labels }));
  }

  async removeVolume(name: string): Promise<void> {
    await this.call('remove a volume', () => ignoreGone(this.dockerode.getVolume(name).remove()));
  }

  async removeImage(ref: string): Promise<void> {
    await this.call('remove an image', () => ignoreGone(this.dockerode.getImage(ref).remove({ force: true })));
  }

  private container(id: string): Dockerode.Container {
    return this.client.container.getById(id);
  }
}

export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 404;
}

// Gone already, or being removed by a concurrent request (clean racing its own deletions): the result wanted.
async function ignoreGone(removal: Promise<unknown>): Promise<void> {
  try {
    await removal;
  } catch (err) {
    const words = engineWords(err);
    if (isNotFound(err) || /is already in progress|no such (image|container|volume)/i.test(words)) return;
    throw err;
  }
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
