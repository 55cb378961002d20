// The engine's own description of itself, for the report's environment header.
import type Dockerode from 'dockerode';
import { runtimeVersion } from '../engine/runtime-version.js';
import { EngineUnavailableError } from '../errors.js';
import type { EngineKind } from '../model/experiment.js';
import type { EngineEnvironment } from '../model/result.js';
import { HARNESS_VERSION } from '../paths.js';

interface VersionComponent {
  Name: string;
  Version: string;
}

export async function describeEngine(dockerode: Dockerode, address: string): Promise<EngineEnvironment> {
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
  const ociRuntime = await describeOciRuntime(defaultRuntime, (info.Runtimes ?? {}) as Record<string, RuntimeInfo>, address, runc);
  return {
    kind,
    address,
    serverVersion: version.Version,
    apiVersion: version.ApiVersion,
    operatingSystem: info.OperatingSystem ?? version.Os,
    kernel: info.KernelVersion ?? version.KernelVersion,
    storageDriver: info.Driver ?? 'unknown',
    cgroupVersion: String(info.CgroupVersion ?? 'unknown'),
    runtime: ociRuntime.version ? `${defaultRuntime} ${ociRuntime.version}` : defaultRuntime,
    ociRuntime,
    harnessVersion: HARNESS_VERSION,
    date: new Date().toISOString(),
  };
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
