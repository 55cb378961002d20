// The engine's own description of itself, for the report's environment header.
import type Dockerode from 'dockerode';
import { runtimeVersion } from '../engine/runtime-version.js';
import { EngineUnavailableError } from '../errors.js';
import type { EngineKind } from '../model/experiment.js';
import type { Capability } from '../model/family.js';
import type { EngineEnvironment } from '../model/result.js';
import { HARNESS_VERSION } from '../paths.js';
import { cgroupLacks } from './cgroup-lacks.js';

interface VersionComponent {
  Name: string;
  Version: string;
}

interface EngineDescription {
  environment: EngineEnvironment;
  /** What its containers cannot be given here, each with the engine's reason (cgroupLacks). */
  lacks: Partial<Record<Capability, string>>;
}

export async function describeEngine(dockerode: Dockerode, address: string): Promise<EngineDescription> {
  const [info, version] = await Promise.all([dockerode.info(), dockerode.version()]);
  // Anything answering HTTP can sit at an address; a Docker API engine names its version.
  if (typeof version?.Version !== 'string' || typeof version.ApiVersion !== 'string' || typeof info !== 'object' || info === null) {
    throw new EngineUnavailableError(
      `The server at ${address} answered, but not as a Docker API engine does (its /version names no version): point DOCKER_HOST at Docker or Podman.`,
    );
  }
  const components: VersionComponent[] = (version as { Components?: VersionComponent[] }).Components ?? [];
  const kind: EngineKind = components.some((c) => /podman/i.test(c.Name)) ? 'podman' : 'docker';
  const runc = components.find((c) => /^(runc|crun)$/i.test(c.Name));
  const defaultRuntime: string = info.DefaultRuntime ?? (kind === 'podman' ? ociRuntimeOfPodman(info) : 'unknown');
  const own = kind === 'podman' ? await podmanInfo(dockerode, version.Version) : undefined;
  const ociRuntime = await describeOciRuntime(defaultRuntime, (info.Runtimes ?? {}) as Record<string, RuntimeInfo>, address, runc);
  const isRootless = rootless(info) || own?.host?.security?.rootless === true;
  const cgroupVersion = String(info.CgroupVersion ?? 'unknown');
  const lacks = cgroupLacks({
    product: kind === 'podman' ? 'Podman' : 'Docker',
    rootless: isRootless,
    cgroupVersion,
    cgroupDriver: info.CgroupDriver,
    controllers: own?.host?.cgroupControllers,
  });
  const environment: EngineEnvironment = {
    kind,
    address,
    serverVersion: version.Version,
    apiVersion: version.ApiVersion,
    operatingSystem: info.OperatingSystem ?? version.Os,
    kernel: info.KernelVersion ?? version.KernelVersion,
    storageDriver: info.Driver ?? 'unknown',
    cgroupVersion,
    runtime: ociRuntime.version ? `${defaultRuntime} ${ociRuntime.version}` : defaultRuntime,
    ociRuntime,
    ...(isRootless ? { rootless: true as const } : {}),
    ...(own?.host?.security?.rootless && own.host.idMappings ? { details: [`User namespace: ${idMap(own.host.idMappings)}`] } : {}),
    harnessVersion: HARNESS_VERSION,
    date: new Date().toISOString(),
  };
  return { environment, lacks };
}

interface IdMapping {
  container_id: number;
  host_id: number;
  size: number;
}

/** Podman's own /info (its libpod API): whether it is rootless, and its user namespace's id maps. */
interface PodmanInfo {
  host?: { security?: { rootless?: boolean }; cgroupControllers?: string[]; idMappings?: { uidmap?: IdMapping[]; gidmap?: IdMapping[] } };
}

// Its routes want a version in the path (any: Podman answers /v1.41/libpod/info too, not /libpod/info).
function podmanInfo(dockerode: Dockerode, version: string): Promise<PodmanInfo | undefined> {
  return new Promise((resolve) => {
    dockerode.modem.dial({ path: `/v${version}/libpod/info`, method: 'GET', statusCodes: { 200: true }, options: {} }, (err: unknown, data: unknown) =>
      resolve(err ? undefined : (data as PodmanInfo)),
    );
  });
}

/** `uids 0→1001 ×1, 1→100000 ×65536; gids …`: container id → host id, and how many. */
function idMap(maps: NonNullable<NonNullable<PodmanInfo['host']>['idMappings']>): string {
  const one = (list: IdMapping[] = []) => list.map((m) => `${m.container_id}→${m.host_id} ×${m.size}`).join(', ');
  return `uids ${one(maps.uidmap)}; gids ${one(maps.gidmap)} (container id → host id ×count, as Podman reports them)`;
}

/** Docker's and Podman's word for an engine that runs in a user namespace of its own. */
function rootless(info: { SecurityOptions?: unknown }): boolean {
  return Array.isArray(info.SecurityOptions) && info.SecurityOptions.includes('name=rootless');
}

function ociRuntimeOfPodman(info: Record<string, unknown>): string {
  const runtimes = info.Runtimes as Record<string, unknown> | undefined;
  return runtimes ? Object.keys(runtimes).join(', ') : 'unknown';
}

interface RuntimeInfo {
  path?: string;
  runtimeArgs?: string[];
}

/**
 * The engine's default OCI runtime with its arguments, and its version: the engine's own word for runc, else the
 * runtime's `--version` where the engine is on this machine (a unix socket) and its binary is here.
 */
async function describeOciRuntime(
  name: string,
  runtimes: Record<string, RuntimeInfo>,
  address: string,
  runc?: VersionComponent,
): Promise<NonNullable<EngineEnvironment['ociRuntime']>> {
  const entry = runtimes[name] ?? {};
  const args = entry.runtimeArgs?.length ? { args: entry.runtimeArgs } : {};
  if (runc && runc.Name.toLowerCase() === name) return { name, version: runc.Version, ...args };
  const local = address.startsWith('unix://');
  const version = local ? await runtimeVersion(entry.path ?? name) : undefined;
  return { name, ...(version ? { version } : {}), ...args };
}
