// A container of an experiment in CRI's terms: the pod sandbox config, the container config, the host folders its
// mounts need and the grants to report, from the request, the privilege and the pod's names and paths alone. Pure, as
// the kubelet keeps `convertToRuntimeSecurityContext` (pkg/kubelet/kuberuntime/security_context.go): no I/O, no clock,
// no randomness; the driver sends what these return, and pod-host.ts does on the host what they ask for.
import { join } from 'node:path';
import type { ContainerRequest } from '../engine/lab-driver.js';
import type { PodClaim } from '../lab/process-lease.js';
import { LABEL_CRI_HANDLE, LABEL_CRI_POD } from '../labels.js';
import type { ContainerSpec } from '../model/experiment.js';
import type { ContainerConfig, ContainerSecurityContext, NamespaceMode, PodSandboxConfig } from './cri-types.js';

/** Label of every pod and container shmlab creates: which pod (by name) it belongs to. */
export const POD_LABEL = LABEL_CRI_POD;

// What the kubelet sends for an unprivileged container (ProcMount Default): containerd applies none unless told.
export const DEFAULT_MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** How a container runs: unprivileged, privileged, or with the nearest equivalent of privileged. */
export type Privilege = 'none' | 'privileged' | 'equivalent';

/** A pod's names and where its things are on the host: paths only, nothing made. */
export interface PodPlace {
  name: string;
  uid: string;
  /** The pod's log_directory: each container logs to <logDirectory>/<container>/<attempt>.log. */
  logDirectory: string;
  /** The folder of the pod's emptyDir volumes, one folder each under it. */
  emptyDir: string;
  cgroupParent: string;
  /** hostUsers: false: the pod's range of host ids (uids and gids alike), container ids 0.. mapped onto it. */
  userns?: { hostId: number; length: number };
}

/**
 * The ids a kubelet gives a user-namespaced pod: 65,536 of them, a block of the range that starts at 65536 (with no
 * `kubelet` entry in /etc/subuid), chosen at random among free ones (pkg/kubelet/userns/userns_manager.go). shmlab
 * takes the blocks in turn.
 */
const USERNS_LENGTH = 65536;
export const usernsBlock = (n: number) => ({ hostId: USERNS_LENGTH * (1 + (n % 110)), length: USERNS_LENGTH });

/** What shmlab makes on the host for a pod: folders (emptyDir first, tmpfs mounts under it, then logs) and its cgroup parent. */
export type HostTrace = Pick<PodClaim, 'folders' | 'cgroupParent'>;

/** A mount of the container: the host folder made for the pod's emptyDir, and, for medium: Memory, the tmpfs on it. */
export interface VolumeMount {
  hostPath: string;
  containerPath: string;
  /** Set for medium: Memory: a tmpfs the kubelet mounts on the folder, sized by the emptyDir's sizeLimit. */
  tmpfs?: { sizeBytes?: number };
}

/** The pod `name` (uid `uid`) of a driver whose data is under `dataRoot` and whose pods' cgroups are under `cgroupRoot`. */
export function podPlace(dataRoot: string, cgroupRoot: string, name: string, uid: string, userns?: PodPlace['userns']): PodPlace {
  return {
    name,
    uid,
    logDirectory: join(dataRoot, 'pods', name),
    emptyDir: join(dataRoot, 'emptydir', name),
    cgroupParent: `${cgroupRoot}/pod${uid}`,
    ...(userns ? { userns } : {}),
  };
}

export function traceOf(place: PodPlace): HostTrace {
  return { folders: [place.emptyDir, place.logDirectory], cgroupParent: place.cgroupParent };
}

/** The container whose pod (and so IPC namespace) the spec joins, if any (`ipc: container:<name>`). */
export function joinedContainer(spec: ContainerSpec): string | undefined {
  return spec.ipc?.startsWith('container:') ? spec.ipc.slice('container:'.length) : undefined;
}

export function podSandboxConfig(request: Pick<ContainerRequest, 'spec' | 'labels'>, privilege: Privilege, place: PodPlace): PodSandboxConfig {
  const { spec } = request;
  const ipc: NamespaceMode = spec.ipc === 'host' ? 'NODE' : 'POD';
  // A user-namespaced pod needs a network namespace of its own (the runtime's CNI gives it one); any other uses the node's.
  const userns = place.userns && {
    mode: 'POD' as const,
    uids: [{ host_id: place.userns.hostId, container_id: 0, length: place.userns.length }],
    gids: [{ host_id: place.userns.hostId, container_id: 0, length: place.userns.length }],
  };
  return {
    metadata: { name: place.name, uid: place.uid, namespace: 'shmlab', attempt: 0 },
    // With the node's network no CNI is needed, and a pod without its own UTS namespace must not ask for a hostname.
    hostname: userns ? 'shmlab-pod' : '',
    log_directory: place.logDirectory,
    labels: { ...request.labels, [POD_LABEL]: place.name },
    linux: {
      cgroup_parent: place.cgroupParent,
      sysctls: { ...spec.sysctls },
      security_context: {
        namespace_options: { network: userns ? 'POD' : 'NODE', pid: 'CONTAINER', ipc, ...(userns ? { userns_options: userns } : {}) },
        privileged: privilege === 'privileged',
        seccomp: { profile_type: privilege === 'privileged' ? 'Unconfined' : 'RuntimeDefault' },
      },
    },
  };
}

/** The container's config in its pod (attempt 0 at first), and the host folders its mounts need, in the spec's order. */
export function containerSpec(
  request: Pick<ContainerRequest, 'name' | 'logicalName' | 'spec' | 'image' | 'labels' | 'volumeName'>,
  pod: { config: PodSandboxConfig; place: PodPlace },
  privilege: Privilege,
  attempt = 0,
): { config: ContainerConfig; volumes: VolumeMount[] } {
  const { spec } = request;
  const volumes = (spec.volumes ?? []).map(
    ({ volume, target, medium, sizeBytes }): VolumeMount => ({
      hostPath: join(pod.place.emptyDir, request.volumeName(volume)),
      containerPath: target,
      ...(medium === 'Memory' ? { tmpfs: sizeBytes ? { sizeBytes } : {} } : {}),
    }),
  );
  const config: ContainerConfig = {
    metadata: { name: request.logicalName, attempt },
    image: { image: request.image },
    // The image has no entrypoint: args replace its Cmd, as Docker's cmd does.
    ...(spec.cmd ? { args: spec.cmd } : {}),
    mounts: volumes.map((v) => ({ container_path: v.containerPath, host_path: v.hostPath })),
    labels: { ...request.labels, [POD_LABEL]: pod.place.name, [LABEL_CRI_HANDLE]: request.name },
    log_path: logPath(request.logicalName, attempt),
    linux: {
      ...(spec.memoryLimitBytes !== undefined
        ? { resources: { memory_limit_in_bytes: spec.memoryLimitBytes, memory_swap_limit_in_bytes: spec.memoryLimitBytes } }
        : {}),
      security_context: securityContext(privilege, pod.config, spec.procMount),
    },
  };
  return { config, volumes };
}

function securityContext(privilege: Privilege, pod: PodSandboxConfig, procMount?: 'Unmasked'): ContainerSecurityContext {
  const namespaceOptions = { ...pod.linux.security_context?.namespace_options };
  if (privilege === 'privileged') return { privileged: true, namespace_options: namespaceOptions, seccomp: { profile_type: 'Unconfined' } };
  if (privilege === 'equivalent')
    return {
      capabilities: { add_capabilities: ['SYS_ADMIN'] },
      masked_paths: [],
      readonly_paths: [],
      namespace_options: namespaceOptions,
      seccomp: { profile_type: 'RuntimeDefault' },
    };
  // procMount Unmasked: the kubelet sends no masked or read-only paths (ConvertToRuntimeMaskedPaths), and containerd applies none.
  const unmasked = procMount === 'Unmasked';
  return {
    masked_paths: unmasked ? [] : DEFAULT_MASKED_PATHS,
    readonly_paths: unmasked ? [] : DEFAULT_READONLY_PATHS,
    namespace_options: namespaceOptions,
    seccomp: { profile_type: 'RuntimeDefault' },
  };
}

/** The reason reported when the runtime refused a privileged container for lack of capabilities (its words), in CRI's terms. */
export const equivalentReason = (words: string) =>
  `this runtime could not start a privileged container on this host (the runtime said: "${words}"), so the privileged experiments use the nearest equivalent: CAP_SYS_ADMIN and no read-only or masked paths (capabilities.add_capabilities [SYS_ADMIN], masked_paths [] and readonly_paths [])`;

/** A container's log file, relative to its pod's log_directory. */
export const logPath = (logicalName: string, attempt: number) => `${logicalName}/${attempt}.log`;

/** What the kubelet creates when a container has to run again: the same config, attempt + 1, its own log file. */
export function nextAttempt(config: ContainerConfig, logicalName: string): ContainerConfig {
  const attempt = config.metadata.attempt + 1;
  return { ...config, metadata: { ...config.metadata, attempt }, log_path: logPath(logicalName, attempt) };
}

/** The kubelet's new sandbox for a pod whose sandbox is not ready: the same pod (name, uid), attempt + 1. */
export function nextSandboxAttempt(config: PodSandboxConfig): PodSandboxConfig {
  return { ...config, metadata: { ...config.metadata, attempt: config.metadata.attempt + 1 } };
}

const shmSizeWords = (bytes: number) => `shm size ${bytes}: not applicable on CRI (no such setting; /dev/shm is the sandbox's tmpfs)`;

/** The comment the transcript's command ends with when the spec asks for a /dev/shm size CRI has no setting for. */
export function shmSizeNote(spec: ContainerSpec): string {
  return spec.shmSizeBytes !== undefined ? `\n# ${shmSizeWords(spec.shmSizeBytes)}` : '';
}

/** What the container is granted beyond an unprivileged default; `network` says whose the node's network namespace is. */
export function grantsOf(spec: ContainerSpec, privilege: Privilege, network?: string, userns?: PodPlace['userns']): string[] {
  const joined = joinedContainer(spec) !== undefined;
  // Pods of shmlab's need no CNI but user-namespaced ones: they use the node's network, the runtime daemon's namespace.
  const grants: string[] =
    spec.hostUsers === false
      ? [
          "network: the pod's own (namespace_options.network POD), from the runtime's CNI configuration: a bridge inside the runtime daemon's own network namespace, with no way out",
          joined
            ? "user namespace: the pod's (hostUsers: false)"
            : `user namespace: the pod's own (hostUsers: false; userns_options mode POD${userns ? `, uids and gids 0–${userns.length - 1} mapped to the host's ${userns.hostId}–${userns.hostId + userns.length - 1}, a block shmlab chose as the kubelet would` : ''})`,
        ]
      : [`network: the node's (namespace_options.network NODE), i.e. the runtime daemon's network namespace${network ? ` — here ${network}` : ''}`];
  if (spec.ipc === 'host') grants.push("IPC namespace: host (the pod's namespace_options.ipc = NODE)");
  else if (spec.ipc === 'shareable') grants.push("IPC namespace: shareable (the pod's own, shared by every container created in the pod)");
  else if (joined) grants.push(`IPC namespace: ${spec.ipc} (created in that container's pod, whose IPC namespace its containers share)`);
  for (const [key, value] of Object.entries(spec.sysctls ?? {}))
    grants.push(
      joined ? `sysctl ${key}=${value}: not applied (sysctls are the pod's, set by the container that made it)` : `sysctl ${key}=${value} (pod-level)`,
    );
  if (spec.shmSizeBytes !== undefined) grants.push(shmSizeWords(spec.shmSizeBytes));
  for (const { volume, target, medium, sizeBytes } of spec.volumes ?? [])
    grants.push(
      medium === 'Memory'
        ? `emptyDir ${volume} (medium: Memory) at ${target} (a tmpfs${sizeBytes ? ` of ${sizeBytes} bytes` : ''} shmlab mounted on a host folder it made for the pod${
            sizeBytes && spec.memoryLimitBytes !== undefined && spec.memoryLimitBytes < sizeBytes
              ? `; a kubelet would size it no larger than the pod's memory limit (pkg/volume/emptydir/empty_dir.go), here ${spec.memoryLimitBytes} bytes`
              : ', as the kubelet would'
          }; removed with the pod)`
        : `emptyDir ${volume} at ${target} (a host folder shmlab made for the pod, as the kubelet would; removed with the pod)`,
    );
  if (spec.procMount === 'Unmasked') grants.push('procMount: Unmasked (masked_paths and readonly_paths empty: /proc/sys is not made read-only)');
  if (spec.memoryLimitBytes !== undefined)
    grants.push(`memory limit ${spec.memoryLimitBytes} bytes, swap included (linux.resources, as the kubelet sends resources.limits.memory)`);
  if (privilege === 'privileged') grants.push('privileged (pod and container)');
  if (privilege === 'equivalent')
    grants.push('CAP_SYS_ADMIN with unmasked, writable /proc (masked_paths and readonly_paths empty): this runtime could not start privileged containers here');
  return grants;
}
