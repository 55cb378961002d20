// Connects to the engine: the address Docker's tools would use, provisioning the local default only when none is configured or running.
import { getContainerRuntimeClient, type ContainerRuntimeClient } from 'testcontainers';
import { EngineUnavailableError } from '../errors.js';
import { resolveEngineAddress, type EngineAddress } from './engine-address.js';
import { probeEngine } from './engine-probe.js';
import { provisionLocalEngine, type Say } from './local-engine.js';

export interface EngineConnection {
  address: EngineAddress;
  client: ContainerRuntimeClient;
}

export async function ensureEngine(say: Say, env: NodeJS.ProcessEnv = process.env): Promise<EngineAddress> {
  let address: EngineAddress;
  try {
    address = resolveEngineAddress(env);
  } catch (err) {
    throw new EngineUnavailableError((err as Error).message);
  }
  const probe = await probeEngine(address);
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
  await provisionLocalEngine(address, say);
  return address;
}

export async function connectEngine(say: Say): Promise<EngineConnection> {
  const address = await ensureEngine(say);
  // Testcontainers must use exactly this engine, and its reaper image cannot be pulled offline.
  process.env.DOCKER_HOST = address.uri;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  // No experiment maps a port, so the host's address is never used; without this, testcontainers running
  // inside a container looks for the engine's bridge gateway (absent under --bridge none) and pulls alpine.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
  try {
    return { address, client: await getContainerRuntimeClient() };
  } catch (err) {
    throw new EngineUnavailableError(`The engine at ${address.uri} answered but could not be used: ${(err as Error).message}`);
  }
}
