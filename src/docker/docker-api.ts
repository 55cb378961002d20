// Every operation an experiment performs on the engine, through testcontainers and its dockerode client.

import type Dockerode from 'dockerode';
import type { HostConfig } from 'dockerode';
import pRetry, { AbortError } from 'p-retry';
import type { ContainerRuntimeClient } from 'testcontainers';
import { graceLeft, interruption, watchSignal } from '../engine/interruption.js';
import { DEFAULT_DEADLINE_MS } from '../engine/lab-driver.js';
import { demux } from './demux.js';
import { requireImage } from './docker-connection.js';

export { EngineTimeoutError } from '../errors.js';

import { engineWords } from '../engine/engine-words.js';

import { EngineTimeoutError } from '../errors.js';
import { type ExecChunks, readExecOutput } from './exec-output.js';

interface RunOptions {
  name: string;
  image: string;
  cmd?: string[];
  labels: Record<string, string>;
  ipcMode?: string;
  hostConfig: HostConfig;
}

import type { ExecOutcome } from '../engine/lab-driver.js';

/** What a runtime prints when it, not the program, failed an exec (runc/crun's OCI error, gVisor's sandbox gone). */
const RUNTIME_EXEC_FAILED = /OCI runtime exec failed|urpc method "[^"]+" failed|waiting on PID \d+ in sandbox/;

/** How often the engine is asked for a container's state while shmlab waits for the state a next step needs. */
const STATE_POLL_MS = 20;

// Errors the engine gives while it is briefly busy: worth one more try. Nothing else is retried.
const TRANSIENT = /is restarting|is not running.*starting|try again|connection reset|EAI_AGAIN|socket hang up/i;

export class EngineDriver {
  readonly dockerode: Dockerode;

  /**
   * @param signal the run's signal (the command line's SIGINT, SIGTERM or SIGHUP): it ends every wait at once, but for
   *   a call that creates something, which is waited for a short while more (AFTER_SIGNAL_MS) so that cleanup knows
   *   what it made; calls made after it (cleanup's) share that short while.
   */
  constructor(
    readonly client: ContainerRuntimeClient,
    readonly deadlineMs: number = DEFAULT_DEADLINE_MS,
    readonly signal?: AbortSignal,
  ) {
    this.dockerode = client.container.dockerode;
    // A backstop under every request: a socket silent for longer than the deadline is closed.
    (this.dockerode.modem as { timeout?: number }).timeout = this.backstopMs;
    if (signal) watchSignal(signal);
  }

  /**
   * One engine call with a deadline: past it, the call fails with what was waited for. A signal ends the wait at once
   * (`creates`: within what is left of the short while after it); the abandoned request is left to the socket's backstop.
   */
  call<T>(what: string, operation: () => Promise<T>, deadlineMs = this.deadlineMs, creates = false): Promise<T> {
    const { signal } = this;
    const started = Date.now();
    const cut = () => interruption(signal!, `while waiting for the engine (${what})`);
    // Cleanup after a signal has had its short while: nothing more is asked.
    if (graceLeft(signal) <= 0) return Promise.reject(cut());
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const late = () => new EngineTimeoutError(`the engine did not answer (${what}) within ${deadlineMs / 1000} s`);
      // Whichever comes first: the deadline, or the end of the short while after a signal.
      const arm = () => {
        clearTimeout(timer);
        const toDeadline = started + deadlineMs - Date.now();
        const toGrace = graceLeft(signal);
        if (toGrace <= 0) return reject(cut());
        timer = setTimeout(() => reject(toDeadline <= toGrace ? late() : cut()), Math.min(toDeadline, toGrace));
      };
      const onAbort = () => (creates ? arm() : reject(cut()));
      arm();
      if (signal && !signal.aborted) signal.addEventListener('abort', onAbort, { once: true });
      let work: Promise<T>;
      try {
        work = operation();
      } catch (err) {
        work = Promise.reject(err);
      }
      work.then(resolve, reject).finally(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      });
    });
  }

  /**
   * Creates and starts a container, as `docker run -d` does, through this driver's own dockerode: testcontainers'
   * GenericContainer.start() always takes its process-wide client and reaper, which only process.env points at an
   * engine. `onCreated` fires before the start, so a refused start leaves a known id.
   */
  run(options: RunOptions, onCreated: (id: string) => void): Promise<string> {
    const { dockerode } = this;
    return this.call(
      `start a container of ${options.image.slice(0, 19)}`,
      async () => {
        await requireImage(dockerode, options.image);
        const container = await dockerode.createContainer({
          name: options.name,
          Image: options.image,
          Cmd: options.cmd,
          Labels: options.labels,
          // No network at all: the container gets its own empty network namespace, and the engine skips its network
          // sandbox (for Docker, the libnetwork-setkey hook that re-executes dockerd at every start), which halves the
          // cost of a start. The CLI has no flag for it; NetworkMode stays "none" for engines that ignore it.
          NetworkDisabled: true,
          HostConfig: { ...options.hostConfig, ...(options.ipcMode ? { IpcMode: options.ipcMode } : {}), NetworkMode: 'none' },
        });
        onCreated(container.id);
        await container.start();
        return container.id;
      },
      this.deadlineMs,
      true,
    );
  }

  /** How long a socket may be silent before the backstop closes it. */
  private get backstopMs(): number {
    return this.deadlineMs + 5000;
  }

  /**
   * Runs a program in the container, once: creating the exec instance has no effect and may be retried, starting it
   * is never repeated (a program that ran must not run twice), and only the read of its exit code is retried.
   */
  async exec(id: string, cmd: string[], deadlineMs = this.deadlineMs): Promise<ExecOutcome> {
    const what = `exec ${cmd[0] ?? ''}`;
    const exec = await retryTransient(() => this.call(what, () => this.container(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true })));
    // What the program wrote before a failure goes with it (run-steps: its finished steps).
    const chunks: ExecChunks = { stdout: [], stderr: [] };
    const withOutput = (err: unknown) => Object.assign(err as Error, { partialStdout: Buffer.concat(chunks.stdout) });
    const rethrow = (err: unknown): never => {
      throw withOutput(err);
    };
    const output = await this.call(
      what,
      async () => {
        const stream = (await exec.start({ Detach: false, Tty: false })) as NodeJS.ReadableStream;
        return readExecOutput(stream, this.dockerode, what, this.backstopMs, chunks);
      },
      deadlineMs,
    ).catch(rethrow);
    const info = await retryTransient(() => this.call(`${what} (exit code)`, () => exec.inspect())).catch(rethrow);
    const exitCode = info.ExitCode ?? -1;
    // The runtime, not the program, failed (a crashed gVisor sandbox: "urpc method … WaitPID failed: EOF"): an engine
    // failure, never an observation of the program.
    if (exitCode >= 126 && exitCode <= 128 && RUNTIME_EXEC_FAILED.test(output.stdout + output.stderr)) {
      throw withOutput(new Error(`the runtime failed the exec (exit ${exitCode}): ${(output.stdout + output.stderr).trim()}`));
    }
    return { exitCode, ...output };
  }

  stop(id: string): Promise<void> {
    return this.call('stop', () => this.client.container.stop(this.container(id), { timeout: 10_000 }));
  }

  /** Starts a stopped container; returns once the engine reports it running (or already exited again). */
  async start(id: string): Promise<void> {
    const started = Date.now();
    await this.call('start', () => this.client.container.start(this.container(id)));
    await this.awaitState(id, 'running', (s) => s.Running || s.Status === 'exited' || s.Status === 'dead', started);
  }

  async kill(id: string): Promise<void> {
    await this.call('kill', async () => {
      await this.container(id).kill({ signal: 'SIGKILL' });
      await this.container(id).wait(); // kill returns before the container is down
    });
  }

  async pause(id: string): Promise<void> {
    const started = Date.now();
    await this.call('pause', () => this.container(id).pause());
    await this.awaitState(id, 'paused', (s) => s.Paused || !s.Running, started);
  }

  /**
   * Unpauses; returns once the engine reports the container no longer paused. The engine may answer the call before
   * its own state says so (Docker 26.1: an exec right after it was refused, "Container … is paused").
   */
  async unpause(id: string): Promise<void> {
    const started = Date.now();
    await this.call('unpause', () => this.container(id).unpause());
    await this.awaitState(id, 'unpaused', (s) => !s.Paused, started);
  }

  /**
   * Readiness, not an observation: asks the engine for the container's state until `ready` holds, within the deadline
   * of the operation that began at `since`. What the next step then observes is the engine's own answer to it.
   */
  private async awaitState(id: string, what: string, ready: (state: Dockerode.ContainerInspectInfo['State']) => boolean, since: number): Promise<void> {
    for (;;) {
      // Waiting for a state is no cleanup: it ends at the signal.
      if (this.signal?.aborted) throw interruption(this.signal, `while waiting for the engine to report the container ${what}`);
      const info = await this.inspect(id);
      if (ready(info.State)) return;
      if (Date.now() - since >= this.deadlineMs)
        throw new EngineTimeoutError(`the engine did not report the container ${what} within ${this.deadlineMs / 1000} s (its state: ${info.State.Status})`);
      await new Promise((r) => setTimeout(r, STATE_POLL_MS));
    }
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
    return this.call(
      'commit',
      () =>
        this.client.container.commit(this.container(id), {
          repo,
          tag,
          changes: `LABEL ${Object.entries(labels)
            .map(([k, v]) => `${k}="${v}"`)
            .join(' ')}`,
        }),
      this.deadlineMs,
      true,
    );
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.call('create a volume', () => this.dockerode.createVolume({ Name: name, Labels: labels }), this.deadlineMs, true);
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

function isNotFound(err: unknown): boolean {
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
