// containerd's Status(verbose) carries its CRI config as JSON, read here once for all who need it: the sandbox image
// (1.6 names it `sandboxImage`, 2.x keeps it among the pinned images), the snapshotter, the runtime handlers, the
// cgroup driver and restrict_oom_score_adj. 1.6 and 2.1 agree on the other keys (samples in runtime-status.test.ts).
import type { CriClient } from './cri-client.js';

/** One runtime handler of the config (`containerd.runtimes.<name>`). */
export interface RuntimeHandler {
  /** e.g. io.containerd.runc.v2 */
  type?: string;
  /** The OCI runtime's binary (options.BinaryName), e.g. /usr/sbin/runc. */
  binaryName?: string;
  /** The handler's cgroup driver (options.SystemdCgroup): true for systemd, false for cgroupfs. */
  systemdCgroup?: boolean;
}

export interface RuntimeConfig {
  sandboxImage?: string;
  snapshotter?: string;
  defaultRuntimeName?: string;
  runtimes?: Record<string, RuntimeHandler>;
  /** containerd 1.6's plugin-wide SystemdCgroup (2.x has only the handlers'). */
  systemdCgroup?: boolean;
  restrictOOMScoreAdj?: boolean;
}

/** The keys read of `info.config` (and of `info.images`, where a 2.x keeps its image settings apart). */
interface ConfigJson {
  sandboxImage?: string;
  pinnedImages?: { sandbox?: string };
  containerd?: {
    snapshotter?: string;
    defaultRuntimeName?: string;
    runtimes?: Record<string, { runtimeType?: string; options?: { BinaryName?: string; SystemdCgroup?: boolean } | null }>;
  };
  systemdCgroup?: boolean;
  restrictOOMScoreAdj?: boolean;
}
interface ImagesJson {
  pinnedImages?: { sandbox?: string };
  snapshotter?: string;
}

/** The config a runtime's Status(verbose) `info` gives; what it does not say (another runtime's JSON, or none) is left out. */
export function parseRuntimeStatus(info: Record<string, string> | undefined): RuntimeConfig {
  const config = parsed<ConfigJson>(info?.config) ?? {};
  const images = parsed<ImagesJson>(info?.images);
  const runtimes = config.containerd?.runtimes;
  return dropUndefined({
    sandboxImage: config.sandboxImage ?? config.pinnedImages?.sandbox ?? images?.pinnedImages?.sandbox,
    snapshotter: config.containerd?.snapshotter ?? images?.snapshotter,
    defaultRuntimeName: config.containerd?.defaultRuntimeName,
    runtimes: runtimes
      ? Object.fromEntries(
          Object.entries(runtimes).map(([name, r]) => [
            name,
            dropUndefined({ type: r.runtimeType, binaryName: r.options?.BinaryName, systemdCgroup: r.options?.SystemdCgroup }),
          ]),
        )
      : undefined,
    systemdCgroup: config.systemdCgroup,
    restrictOOMScoreAdj: config.restrictOOMScoreAdj,
  });
}

/** The runtime's config, asked of it now; nothing when it does not answer Status. */
export async function runtimeConfig(client: CriClient): Promise<RuntimeConfig> {
  const status = await client.status(true).catch(() => undefined);
  return parseRuntimeStatus(status?.info);
}

function parsed<T>(json: string | undefined): T | undefined {
  try {
    const value = JSON.parse(json ?? 'null') as unknown;
    return value && typeof value === 'object' ? (value as T) : undefined;
  } catch {
    // Not containerd's JSON: nothing read from it.
    return undefined;
  }
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
