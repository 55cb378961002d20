// Which sysctls the kubelet accepts in a pod by default, kept with its source since no kubelet is in shmlab's loop:
// Kubernetes' pkg/kubelet/sysctl/safe_sysctls.go (SafeSysctlAllowlist), pkg/kubelet/sysctl/allowlist.go, and the task page "Using sysctls in a
// Kubernetes Cluster". Every other namespaced sysctl is "unsafe": a pod that sets one is rejected with
// SysctlForbidden unless the node's kubelet runs with --allowed-unsafe-sysctls naming it (kubernetes #101227).

const KUBELET_SAFE_SYSCTLS: Record<string, string> = {
  'kernel.shm_rmid_forced': 'since 1.4',
  'net.ipv4.ip_local_port_range': 'since 1.4',
  'net.ipv4.tcp_syncookies': 'since 1.4',
  'net.ipv4.ping_group_range': 'since 1.18',
  'net.ipv4.ip_unprivileged_port_start': 'since 1.22',
  'net.ipv4.ip_local_reserved_ports': 'since 1.27',
  'net.ipv4.tcp_keepalive_time': 'since 1.29',
  'net.ipv4.tcp_fin_timeout': 'since 1.29',
  'net.ipv4.tcp_keepalive_intvl': 'since 1.29',
  'net.ipv4.tcp_keepalive_probes': 'since 1.29',
};

/** What the kubelet does with a pod sysctl, before the runtime ever sees it. */
export function kubeletVerdict(sysctl: string, namespaced: boolean): string {
  // pkg/kubelet/sysctl/allowlist.go: NewAllowlist refuses to start with a sysctl not known to be namespaced.
  if (!namespaced) return `rejected (\`forbidden sysctl: "${sysctl}" not allowlisted\`), and --allowed-unsafe-sysctls cannot allow it`;
  return KUBELET_SAFE_SYSCTLS[sysctl]
    ? `accepted by default (safe, ${KUBELET_SAFE_SYSCTLS[sysctl]})`
    : 'SysctlForbidden unless the kubelet runs with --allowed-unsafe-sysctls';
}
