// Connects to the engine: the address Docker's tools would use, provisioning the local default only when none is configured or running.
// The client is shmlab's own, made for that address alone: testcontainers' process-wide one (getContainerRuntimeClient)
// is chosen from process.env and ~/.testcontainers.properties, and belongs to whatever else in the process uses testcontainers.
import Dockerode from 'dockerode';
import { ContainerRuntimeClient, type ImageName } from 'testcontainers';
// Testcontainers' Docker clients take a dockerode and read nothing global; its package exports only the process-wide
// client made of them, so they are imported from where they are (testcontainers is pinned to one version).
import { DockerContainerClient } from 'testcontainers/build/container-runtime/clients/container/docker-container-client.js';
import { DockerImageClient } from 'testcontainers/build/container-runtime/clients/image/docker-image-client.js';
import { DockerNetworkClient } from 'testcontainers/build/container-runtime/clients/network/docker-network-client.js';
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

/** Makes sure the engine has the image: shmlab never pulls one (a public image of the same name could be anyone's). */
export async function requireImage(dockerode: Dockerode, ref: string): Promise<void> {
  try {
    await dockerode.getImage(ref).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) {
      throw new ImageMissingError(`image ${ref} is not on the engine (removed while in use?); shmlab never pulls an image, so this step cannot run`);
    }
    throw err;
  }
}

/** Testcontainers' image client, but one whose pull never pulls: it only makes sure the image is there. */
class NoPullImageClient extends DockerImageClient {
  override async pull(name: ImageName): Promise<void> {
    await requireImage(this.dockerode, name.string);
  }
}

const noCompose = async (): Promise<never> => {
  throw new Error('shmlab uses no Compose');
};
const NO_COMPOSE: ContainerRuntimeClient['compose'] = { up: noCompose, pull: noCompose, stop: noCompose, down: noCompose };

/**
 * A dockerode for this address alone. docker-modem takes what it is not given from DOCKER_HOST (and, for a tcp one,
 * DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_PATH_PREFIX, DOCKER_CLIENT_TIMEOUT): each is given here, so that none
 * of this process's variables applies. Plain HTTP, as the /_ping probe asks.
 */
function dockerodeFor(address: EngineAddress): Dockerode {
  const options: Dockerode.DockerOptions & { pathPrefix?: string } = {
    socketPath: address.socketPath,
    host: address.socketPath === undefined ? address.host : undefined,
    port: address.socketPath === undefined ? address.port : undefined,
    protocol: 'http',
    pathPrefix: undefined,
    username: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    timeout: undefined,
    version: undefined,
  };
  return new Dockerode(options);
}

/** What the engine's /info says (a stand-in may say nothing). */
type DockerInfo = Partial<{
  IndexServerAddress: string;
  ServerVersion: string;
  OperatingSystem: string;
  OSType: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  Runtimes: Record<string, unknown>;
  Labels: string[];
}>;

/** Testcontainers' client, made of its Docker clients around shmlab's dockerode, as getContainerRuntimeClient makes its own. */
function ownClient(dockerode: Dockerode, address: EngineAddress, info: DockerInfo): ContainerRuntimeClient {
  const indexServerAddress = info.IndexServerAddress || 'https://index.docker.io/v1/';
  return new ContainerRuntimeClient(
    {
      node: { version: process.version, architecture: process.arch, platform: process.platform },
      containerRuntime: {
        // No experiment maps a port: the host's address and IPs are never used.
        host: 'localhost',
        hostIps: [],
        remoteSocketPath: address.socketPath ?? '/var/run/docker.sock',
        indexServerAddress,
        serverVersion: Number.parseFloat(info.ServerVersion ?? ''),
        operatingSystem: info.OperatingSystem ?? '',
        operatingSystemType: info.OSType ?? '',
        architecture: info.Architecture ?? '',
        cpus: info.NCPU ?? 0,
        memory: info.MemTotal ?? 0,
        runtimes: Object.keys(info.Runtimes ?? {}),
        labels: info.Labels ?? [],
      },
    },
    NO_COMPOSE,
    new DockerContainerClient(dockerode),
    new NoPullImageClient(dockerode, indexServerAddress),
    new DockerNetworkClient(dockerode),
  );
}

/** The engine `env` names (DOCKER_HOST, else the default socket), and a client of shmlab's own for it; `env` is only read. */
export async function connectEngine(say: Say, deadlineMs = 15_000, signal?: AbortSignal, env: NodeJS.ProcessEnv = process.env): Promise<EngineConnection> {
  const address = await ensureEngine(say, env, signal);
  const deadline = Math.min(deadlineMs, 15_000);
  try {
    const dockerode = dockerodeFor(address);
    const info = await withDeadline<DockerInfo>(
      untilAborted(() => dockerode.info(), signal, `while connecting to the engine at ${address.uri}`),
      deadline,
      `The engine at ${address.uri} answers /_ping but not its API within ${deadline / 1000} s: restart it, or point DOCKER_HOST at another engine.`,
    );
    return { address, client: ownClient(dockerode, address, info ?? {}) };
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
