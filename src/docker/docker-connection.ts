// Connects to the engine: the address Docker's tools would use, provisioning the local default only when none is configured or running.
import { type ContainerRuntimeClient, getContainerRuntimeClient } from 'testcontainers';
import type { Say } from '../engine/host-tools.js';
import { untilAborted } from '../engine/interruption.js';
import { EngineUnavailableError, ImageMissingError, InterruptedError } from '../errors.js';
import { type EngineAddress, resolveEngineAddress } from './docker-address.js';
import { probeEngine } from './docker-probe.js';
import { provisionLocalEngine } from './local-engine.js';

interface EngineConnection {
  address: EngineAddress;
  client: ContainerRuntimeClient;
}

export async function ensureEngine(say: Say, env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<EngineAddress> {
  let address: EngineAddress;
  try {
    address = resolveEngineAddress(env);
  } catch (err) {
    throw new EngineUnavailableError((err as Error).message);
  }
  const probe = await untilAborted(() => probeEngine(address), signal, `while asking ${address.uri} whether it answers`);
  if (probe.ok) return address;
  if (address.explicit) {
    throw new EngineUnavailableError(
      `The engine at DOCKER_HOST=${address.uri} does not answer (${probe.message}): start it, or point DOCKER_HOST at one that runs.`,
    );
  }
  // A socket that hangs belongs to a daemon that is there but stuck: not ours to replace.
  if (probe.why === 'timeout' || probe.why === 'error') {
    throw new EngineUnavailableError(`The engine at ${address.uri} does not answer (${probe.message}): restart it, or set DOCKER_HOST to another engine.`);
  }
  say(`no engine at ${address.uri} (${probe.message}); setting up the local default engine`);
  await provisionLocalEngine(address, say, signal);
  return address;
}

/** Testcontainers pulls an image it does not find; shmlab never lets an engine pull (a public image of the same name could be anyone's). */
function forbidPulls(client: ContainerRuntimeClient): void {
  const image = client.image as unknown as { pull: (name: { string: string }) => Promise<void> };
  image.pull = async (name) => {
    try {
      await client.container.dockerode.getImage(name.string).inspect();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) {
        throw new ImageMissingError(`image ${name.string} is not on the engine (removed while in use?); shmlab never pulls an image, so this step cannot run`);
      }
      throw err;
    }
  };
}

export async function connectEngine(say: Say, deadlineMs = 15_000, signal?: AbortSignal, env: NodeJS.ProcessEnv = process.env): Promise<EngineConnection> {
  const address = await ensureEngine(say, env, signal);
  // Testcontainers must use exactly this engine, and its reaper image cannot be pulled offline.
  process.env.DOCKER_HOST = address.uri;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  // No experiment maps a port, so the host's address is never used; without this, testcontainers running
  // inside a container looks for the engine's bridge gateway (absent under --bridge none) and pulls alpine.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
  try {
    const client = await withDeadline(
      untilAborted(() => getContainerRuntimeClient(), signal, `while connecting to the engine at ${address.uri}`),
      Math.min(deadlineMs, 15_000),
      `The engine at ${address.uri} answers /_ping but not its API within ${Math.min(deadlineMs, 15_000) / 1000} s: restart it, or point DOCKER_HOST at another engine.`,
    );
    forbidPulls(client);
    return { address, client };
  } catch (err) {
    if (err instanceof EngineUnavailableError || err instanceof InterruptedError) throw err;
    throw new EngineUnavailableError(`The engine at ${address.uri} answered but could not be used: ${(err as Error).message}`);
  }
}

function withDeadline<T>(work: Promise<T>, ms: number, sentence: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new EngineUnavailableError(sentence)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
