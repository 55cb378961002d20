// Admission of a pod, as a cluster applies it before the node's runtime ever sees the pod: the API server's validation
// and the kubelet's sysctl allowlist. Neither runs here, so shmlab applies their rules in their place, and says so in
// the refusal. Sources: kubernetes pkg/kubelet/sysctl/allowlist.go (`validateSysctl`, `Admit`: reason SysctlForbidden),
// pkg/kubelet/sysctl/safe_sysctls.go, k8s.io/component-helpers/node/util/sysctl/namespace.go (which namespace a sysctl
// belongs to; "IPC" and "Net" since 1.29, PR #118705), pkg/apis/core/validation/validation.go (`validateSysctls`,
// 1.29+; `validateHostUsers`: no host namespace with hostUsers: false). Pure: the driver asks before any CRI call.
import type { ContainerSpec } from './experiment.js';

type Namespace = 'IPC' | 'Net';

// namespace.go: exact names, then prefixes.
const NAMESPACE_OF: Record<string, Namespace> = { 'kernel.sem': 'IPC' };
const NAMESPACE_PREFIXES: [string, Namespace][] = [
  ['kernel.shm', 'IPC'],
  ['kernel.msg', 'IPC'],
  ['fs.mqueue.', 'IPC'],
  ['net.', 'Net'],
];

/** The kubelet's safe sysctls (safe_sysctls.go, Kubernetes 1.29+): allowed on every node. */
const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];

/**
 * The `--allowed-unsafe-sysctls` of the kubelet shmlab stands in for: every IPC sysctl, as a node that runs databases
 * is configured (a kubelet accepts only namespaced ones here: NewAllowlist refuses to start with any other).
 */
const ALLOWED_UNSAFE_SYSCTLS = ['kernel.shm*', 'kernel.msg*', 'kernel.sem', 'fs.mqueue.*'];

/** The kubelet shmlab stands in for, as a reader would configure one. */
export const KUBELET_FLAGS = `--allowed-unsafe-sysctls=${ALLOWED_UNSAFE_SYSCTLS.join(',')}`;

function namespaceOf(sysctl: string): Namespace | undefined {
  return NAMESPACE_OF[sysctl] ?? NAMESPACE_PREFIXES.find(([prefix]) => sysctl.startsWith(prefix))?.[1];
}

/** allowlist.go `validateSysctl`: undefined when allowed, else its error (without the `forbidden sysctl: ` of Admit). */
function kubeletSysctlError(sysctl: string, hostNet: boolean, hostIPC: boolean): string | undefined {
  const allowed = [...SAFE_SYSCTLS, ...ALLOWED_UNSAFE_SYSCTLS];
  const exact = allowed.includes(sysctl);
  const pattern = allowed.some((a) => a.endsWith('*') && sysctl.startsWith(a.slice(0, -1)));
  if (!exact && !pattern) return `"${sysctl}" not allowlisted`;
  const ns = namespaceOf(sysctl);
  if ((ns === 'IPC' && hostIPC) || (ns === 'Net' && hostNet)) return `"${sysctl}" not allowed with host ${ns} enabled`;
  return undefined;
}

/** validation.go `validateSysctls` (1.29+): a namespaced sysctl of a namespace the pod shares with the host. */
function apiServerSysctlError(sysctl: string, index: number, hostNet: boolean, hostIPC: boolean): string | undefined {
  const ns = namespaceOf(sysctl);
  const flag = ns === 'IPC' && hostIPC ? 'hostIPC' : ns === 'Net' && hostNet ? 'hostNetwork' : undefined;
  return flag && `spec.securityContext.sysctls[${index}].name: Invalid value: "${sysctl}": may not be specified when '${flag}' is true`;
}

/**
 * Why a cluster would refuse the pod this container makes, in the words of what refuses it first, then who that is, or
 * undefined when it would be admitted. One line, the refused words first. `hostNet`: shmlab's pods use the node's
 * network (namespace_options.network NODE), which the kubelet counts as host networking.
 */
export function admissionRefusal(spec: ContainerSpec, hostNet = true): string | undefined {
  const hostIPC = spec.ipc === 'host';
  // validateHostUsers, in its own words (field name included): a user-namespaced pod shares no namespace with the host.
  if (spec.hostUsers === false && hostIPC)
    return "spec.HostIPC: Forbidden: when `pod.Spec.HostUsers` is false (the API server's validation, validateHostUsers, applied by shmlab in its place, before any CRI call)";
  const sysctls = Object.keys(spec.sysctls ?? {});
  const api = sysctls.map((s, i) => apiServerSysctlError(s, i, hostNet, hostIPC)).find(Boolean);
  const kubelet = sysctls.map((s) => kubeletSysctlError(s, hostNet, hostIPC)).find(Boolean);
  const by = 'applied by shmlab in its place, before any CRI call';
  if (api) return `${api} (the API server's validation, Kubernetes 1.29+, ${by}; a kubelet given the pod: forbidden sysctl: ${kubelet})`;
  if (kubelet) return `forbidden sysctl: ${kubelet} (SysctlForbidden: the kubelet's admission with ${KUBELET_FLAGS}, ${by})`;
  return undefined;
}
