// The engine's own description of itself, for the report's environment header.
import type Dockerode from 'dockerode';
import type { EngineKind } from '../model/experiment.js';
import type { EngineEnvironment } from '../model/result.js';
import { EngineUnavailableError } from '../errors.js';
import { HARNESS_VERSION } from '../paths.js';

interface VersionComponent {
  Name: string;
  Version: string;
}

export async function describeEngine(dockerode: Dockerode, address: string): Promise<EngineEnvironment> {
  const [info, version] = await Promise.all([dockerode.info(), dockerode.version()]);
  // Anything answering HTTP can sit at an address; a Docker API engine names its version.
  if (typeof version?.Version !== 'string' || typeof version.ApiVersion !== 'string' || typeof info !== 'object' || info === null) {
    throw new EngineUnavailableError(`The server at ${address} answered, but not as a Docker API engine does (its /version names no version): point DOCKER_HOST at Docker or Podman.`);
  }
  const components: VersionComponent[] = (version as { Components?: VersionComponent[] }).Components ?? [];
  const kind: EngineKind = components.some((c) => /podman/i.test(c.Name)) ? 'podman' : 'docker';
  const runc = components.find((c) => /^(runc|crun)$/i.test(c.Name));
  const defaultRuntime: string = info.DefaultRuntime ?? (kind === 'podman' ? ociRuntimeOfPodman(info) : 'unknown');
  return {
    kind,
    address,
    serverVersion: version.Version,
    apiVersion: version.ApiVersion,
    operatingSystem: info.OperatingSystem ?? version.Os,
    kernel: info.KernelVersion ?? version.KernelVersion,
    storageDriver: info.Driver ?? 'unknown',
    cgroupVersion: String(info.CgroupVersion ?? 'unknown'),
    runtime: runc ? `${defaultRuntime} ${runc.Version}` : defaultRuntime,
    harnessVersion: HARNESS_VERSION,
    date: new Date().toISOString(),
  };
}

function ociRuntimeOfPodman(info: Record<string, unknown>): string {
  const runtimes = info.Runtimes as Record<string, unknown> | undefined;
  return runtimes ? Object.keys(runtimes).join(', ') : 'unknown';
}
