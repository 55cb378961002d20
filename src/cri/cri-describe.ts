// The runtime as the report's environment tells it: name and version, the handler with its OCI runtime, the cgroup
// driver, restrict_oom_score_adj with the reason this host needs it, and the runtime's own conditions.
import { readFileSync } from 'node:fs';
import type { CriClient } from './cri-client.js';
import { parseRuntimeStatus } from './runtime-status.js';

export interface CriDescription {
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
  runtimeHandler: string;
  cgroupDriver: string;
  restrictOomScoreAdj?: boolean;
  /** Why a kubelet would not create a pod with hostUsers: false here, from the handler's features; undefined: it would. */
  userNamespacesWhyNot?: string;
  /** `Key: value` lines for the report's environment. */
  lines: string[];
}

/** `runtimeHandler`: the CRI handler the pods ask for ('' or none = the runtime's default). */
export async function describeRuntime(client: CriClient, runtimeHandler?: string): Promise<CriDescription> {
  const version = await client.version();
  const status = await client.status(true).catch(() => undefined);
  const config = parseRuntimeStatus(status?.info);
  const handlerName = runtimeHandler || config.defaultRuntimeName || 'runc';
  const handler = config.runtimes?.[handlerName];
  const systemd = handler?.systemdCgroup ?? config.systemdCgroup;
  const cgroupDriver = systemd === undefined ? 'unknown' : systemd ? 'systemd' : 'cgroupfs';
  const restrict = config.restrictOOMScoreAdj;
  const why = hostLacksSysResource()
    ? "containerd's setting, needed here: the capability bounding set lacks CAP_SYS_RESOURCE, without which the kernel refuses the oom_score_adj of -998 the CRI plugin would ask for its sandboxes"
    : 'the host allows lowering oom_score_adj';
  const lines = [
    `Runtime: ${version.runtime_name} ${version.runtime_version} (CRI ${version.runtime_api_version})`,
    `Runtime handler: ${handlerName}${handler ? ` (${handler.type}${handler.binaryName ? `, ${handler.binaryName}` : ''})` : ''}`,
    `Cgroup driver: ${cgroupDriver}`,
    ...(restrict === undefined ? [] : [`restrict_oom_score_adj: ${restrict}${restrict ? ` (${why})` : ''}`]),
    ...(status?.status?.conditions ?? []).map((c) => `Condition ${c.type}: ${c.status}${c.reason ? ` (${c.reason})` : ''}`),
  ];
  const userns = userNamespaceSupport(status?.runtime_handlers, runtimeHandler ?? '');
  lines.push(`User namespaces (runtime handler "${runtimeHandler ?? ''}"): ${userns.said}`);
  return {
    runtimeName: version.runtime_name,
    runtimeVersion: version.runtime_version,
    runtimeApiVersion: version.runtime_api_version,
    runtimeHandler: handlerName,
    cgroupDriver,
    restrictOomScoreAdj: restrict,
    ...(userns.whyNot ? { userNamespacesWhyNot: userns.whyNot } : {}),
    lines,
  };
}

type Handlers = NonNullable<Awaited<ReturnType<CriClient['status']>>['runtime_handlers']>;

/**
 * What the kubelet decides from the runtime's Status before it creates a pod with hostUsers: false: the pod's handler
 * must be listed with features.user_namespaces (pkg/kubelet/kubelet_getters.go `HandlerSupportsUserNamespaces`, called
 * by pkg/kubelet/userns/userns_manager.go `GetOrCreateUserNamespaceMappings`, Kubernetes 1.30+), else it fails the pod
 * with the error quoted here.
 */
export function userNamespaceSupport(handlers: Handlers | undefined, name: string): { said: string; whyNot?: string } {
  const handler = handlers?.find((h) => h.name === name);
  const refuse = (error: string, said: string) => ({
    said,
    whyNot: `a kubelet (Kubernetes 1.30+) does not create a pod with hostUsers: false on this node (\`${error}\`), since ${said} (pkg/kubelet/userns/userns_manager.go, GetOrCreateUserNamespaceMappings; shmlab applies this in the kubelet's place)`,
  });
  if (!handler)
    return refuse(`the handler "${name}" is not known`, `the runtime's Status lists ${handlers?.length ? `no handler "${name}"` : 'no runtime handlers'}`);
  if (!handler.features?.user_namespaces)
    return refuse(`RuntimeClass handler "${name}" does not support user namespaces`, `the runtime's Status says user_namespaces: false for handler "${name}"`);
  return { said: `supported (the runtime's Status says user_namespaces: true for handler "${name}")` };
}

function hostLacksSysResource(): boolean {
  const bounding = /^CapBnd:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return bounding !== undefined && (BigInt(`0x${bounding}`) & (1n << 24n)) === 0n;
}
