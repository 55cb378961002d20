// What engines and runtimes do inside, keyed by the stack that ran, each with the source of the version read (runc
// v1.1.5, crun 1.8.1, Podman v4.3.1, moby v20.10.24/v26.1.5/v28.5.2, containerd v1.6.20/v2.1.9; Kubernetes from its
// kuberuntime, sysctl and apis/core/validation packages). A stack whose source was not read gets no text: a report
// never tells one engine's internals as another's.
import type { Stack } from '../src/model/experiment.js';
import { KUBELET_FLAGS } from '../src/model/kubelet-admission.js';
import { majorOf } from '../src/model/stack.js';

/** Docker engines whose daemon code was read. */
const MOBY = ['20.10', '26.1', '28.5'];
const isMoby = (s: Stack) => s.engine === 'docker' && MOBY.some((v) => s.version.startsWith(v));
const isPodman4 = (s: Stack) => s.engine === 'podman' && majorOf(s) === 4;
const isContainerd = (s: Stack) => s.engine === 'containerd' && [1, 2].includes(majorOf(s));

/** containerd's CRI code for a pod sandbox, by major version. */
function sandboxSource(s: Stack): string {
  return majorOf(s) >= 2 ? 'internal/cri/server/podsandbox/sandbox_run_linux.go' : 'pkg/cri/server/sandbox_run_linux.go';
}

/** How the runtime that ran checks a container's sysctls, with its words. */
export function runtimeSysctlCheck(s: Stack): string | undefined {
  if (s.runtime === 'runc')
    return 'runc checks the sysctls when it creates the container (libcontainer/configs/validate/validator.go, `(*ConfigValidator).sysctl`): an IPC sysctl (`kernel.shm*`, `kernel.msg*`, `kernel.sem`, `fs.mqueue.*`) only where the spec has an IPC namespace (`sysctl %q is not allowed in the hosts ipc namespace`), one of no namespace never (`sysctl %q is not in a separate kernel namespace`)';
  if (s.runtime === 'crun')
    return "crun checks each sysctl in the container's init, before it writes it (src/libcrun/linux.c, `validate_sysctl`): an IPC sysctl only where the spec has an IPC namespace (`` the sysctl `%s` requires a new IPC namespace ``), one of no namespace never (`` the sysctl `%s` is not namespaced ``)";
  return undefined;
}

/** Whether the runtime counts an IPC namespace joined by path as the container's own (it does, for runc and crun). */
export function runtimeJoinedNamespace(s: Stack): string | undefined {
  if (s.runtime === 'runc')
    return "runc's check only asks whether the spec has an IPC namespace, not whether runc creates it (`config.Namespaces.Contains(configs.NEWIPC)`, true for a path too), and its init writes the sysctls after joining the namespaces (libcontainer/nsenter/nsexec.c joins them first; libcontainer/standard_init_linux.go writes the sysctls later)";
  if (s.runtime === 'crun')
    return "crun counts every IPC namespace entry of the spec as created, without looking at its path (src/libcrun/linux.c, `libcrun_set_sysctl`), and writes the sysctls from the container's init, inside the joined namespace";
  return undefined;
}

/** What the engine itself does with a container's sysctls before the runtime sees them. */
export function engineSysctls(s: Stack): string | undefined {
  if (isMoby(s))
    return `Docker ${s.version} copies HostConfig.Sysctls into the container's OCI spec unchecked (moby daemon/oci_linux.go, \`WithSysctls\`; the docker CLI's own check is not used through the API), gives a container started with \`--ipc=container:A\` an IPC namespace entry with A's path (\`/proc/<A's pid>/ns/ipc\`), and for \`--ipc=host\` leaves the IPC namespace out of the spec (\`WithNamespaces\`)`;
  if (isPodman4(s))
    return "Podman refuses a sysctl of no namespace itself, when the container is created (pkg/util/utils.go, `ValidateSysctls`: `sysctl '%s' is not allowed`, which its Docker API wraps as `fill out specgen: …`), before any runtime is asked; with `--ipc=host` it refuses only `fs.mqueue.*` (pkg/specgen/generate/security_linux.go) and passes the other IPC sysctls on, and it gives a container started with `--ipc=container:A` A's IPC namespace path (pkg/specgen/generate/namespaces.go)";
  if (isContainerd(s))
    return `containerd puts the pod's sysctls into the sandbox's spec unchanged, and for a \`hostIPC\` pod (\`namespace_options.ipc = NODE\`) leaves the IPC namespace out of it (${sandboxSource(s)}, \`sandboxContainerSpec\`)`;
  return undefined;
}

/** What the engine does when a container asks to join the IPC namespace of one whose mode is private. */
export function engineJoinPrivate(s: Stack): string | undefined {
  if (isMoby(s))
    return `Docker ${s.version} refuses to start it, since a private donor has no shared \`/dev/shm\` path (moby daemon/container_operations_unix.go, \`${s.version.startsWith('20.10') ? 'getIpcContainer' : 'getIPCContainer'}\`: \`non-shareable IPC (hint: use IpcMode:shareable for the donor container)\`)`;
  if (isPodman4(s))
    return 'Podman refuses to create it (pkg/specgen/generate/namespaces.go, `namespaceOptions`: `joining IPC of container %s is not allowed: non-shareable IPC`); its own default IPC mode is `shareable`';
  return undefined;
}

/** How a Kubernetes node admits a pod's sysctls before any CRI call: no kubelet or API server runs here. */
export const KUBELET_SYSCTL_ADMISSION = `On a Kubernetes node the kubelet admits a pod's sysctls before any CRI call (pkg/kubelet/sysctl/allowlist.go): only its safe list (pkg/kubelet/sysctl/safe_sysctls.go, where \`kernel.shm_rmid_forced\` is the one IPC sysctl) and those named by \`--allowed-unsafe-sysctls\`; anything else is \`forbidden sysctl: "…" not allowlisted\` (reason SysctlForbidden), a sysctl of no namespace cannot be allowed at all, and an IPC sysctl of a \`hostIPC\` pod is \`not allowed with host IPC enabled\`. Since Kubernetes 1.29 the API server refuses an IPC sysctl on a \`hostIPC\` pod first (pkg/apis/core/validation: \`may not be specified when 'hostIPC' is true\`). No kubelet or API server runs here: shmlab applies these checks in their place before any CRI call, as a kubelet with \`${KUBELET_FLAGS}\`; a step sent without admission shows what the runtime itself answers`;

/** The parts that apply, as sentences ended with a full stop (each starts as written: runc and crun are lower-case names). */
export function told(...parts: (string | undefined | false)[]): string | undefined {
  const said = parts.filter((p): p is string => Boolean(p)).map((p) => `${p}${/[.!?]$/.test(p) ? '' : '.'}`);
  return said.length ? said.join(' ') : undefined;
}
