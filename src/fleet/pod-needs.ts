// What shmlab's pod asks of its node, and why: one table that the manifests are built from and that the manifests'
// comments and the README print. A privilege or a host mount that is not here is not in the manifests.
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import { CRI_DATA } from '../cri/containerd-config.js';

/** The engine the pod talks to: the node's containerd (over CRI), or a Docker or Podman API socket. */
export type SocketKind = 'containerd' | 'docker';

interface HostMount {
  /** The volume's name in the pod. */
  name: string;
  hostPath: string;
  /** The kubelet's check of the host path before the pod starts. */
  type: 'Socket' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File';
  mountPath: string;
  readOnly?: boolean;
  /** Bidirectional: mounts shmlab makes under it reach the node (Kubernetes allows it to privileged containers only). */
  mountPropagation?: 'Bidirectional';
  why: string;
}

/** A setting of the pod or of its container, with the reason it is there. */
interface Need<T> {
  value: T;
  why: string;
}

/** The node's engine socket, mounted where the image's entrypoint looks for it (the same path as on the node). */
export const SOCKETS: Record<SocketKind, HostMount> = {
  containerd: {
    name: 'runtime-socket',
    hostPath: '/run/containerd/containerd.sock',
    type: 'Socket',
    mountPath: '/run/containerd/containerd.sock',
    why: "shmlab asks the node's runtime for its pods, as the kubelet does: containerd's CRI socket",
  },
  docker: {
    name: 'runtime-socket',
    hostPath: '/var/run/docker.sock',
    type: 'Socket',
    mountPath: '/var/run/docker.sock',
    why: "shmlab asks the node's Docker (or Podman, through its Docker-compatible socket) for its containers, as the docker command does",
  },
};

/** Host folders every pod mounts, whatever its engine. */
export const HOST_MOUNTS: readonly HostMount[] = [
  {
    name: 'reports',
    hostPath: '/var/lib/shmlab/fleet-reports',
    type: 'DirectoryOrCreate',
    mountPath: '/reports',
    why: "each node keeps its report pair after the pod is gone: the copy to fall back on when the pod's log is lost",
  },
  {
    name: 'run-records',
    hostPath: '/run/shmlab',
    type: 'DirectoryOrCreate',
    mountPath: '/run/shmlab',
    why: "shmlab's records of its runs (each held by a lock while its process lives), on the node: a later pod, or a clean Job, finds those of a pod that was killed and can tell its run is over; the host-wide lock on the IPC sysctls is there too",
  },
];

/**
 * What the pod needs further on a containerd node, where shmlab makes its pods through CRI and so does on the node
 * what a kubelet does for its pods (as it does on a machine without a kubelet): the folders the runtime reads at the
 * node's own paths, the tmpfs of an emptyDir with medium: Memory, the pod cgroup folders runc leaves, the sandbox
 * process one experiment kills by its pid.
 */
const CRI_MOUNTS: readonly HostMount[] = [
  {
    name: 'pod-folders',
    hostPath: CRI_DATA,
    type: 'DirectoryOrCreate',
    mountPath: CRI_DATA,
    mountPropagation: 'Bidirectional',
    why: "the log and emptyDir folders of shmlab's pods, at the path the runtime on the node opens them; Bidirectional, so that the tmpfs shmlab mounts for an emptyDir with medium: Memory is the one the runtime binds into the pod",
  },
  {
    name: 'cgroups',
    hostPath: '/sys/fs/cgroup',
    type: 'Directory',
    mountPath: '/sys/fs/cgroup',
    why: "the node's cgroup folders: shmlab removes the empty pod folders runc leaves behind (a container's own /sys/fs/cgroup shows only its own cgroup)",
  },
  {
    name: 'os-release',
    hostPath: '/etc/os-release',
    type: 'File',
    mountPath: '/etc/os-release',
    readOnly: true,
    why: "the node's operating system, for the report (CRI does not say it)",
  },
];

/** The pod's own settings beyond the defaults. */
const POD_NEEDS: { [K in keyof IPodSpec]?: Need<IPodSpec[K]> } = {
  hostIPC: {
    value: true,
    why: "shmlab's own IPC namespace must be the node's, where the experiments' host-IPC containers put their segments: the host-segment step reads them from /proc/sysvipc/shm",
  },
};

/** The container's securityContext: the least that works, each field with its reason. */
const CONTAINER_SECURITY: { [K in keyof ISecurityContext]?: Need<ISecurityContext[K]> } = {
  runAsUser: { value: 0, why: "the runtime socket is root's (owned by root, mode 0660)" },
  readOnlyRootFilesystem: {
    value: false,
    why: "shmlab writes its cache (compiled programs) and its temporary build folders in the container's own file system",
  },
};

/** The pod's and the container's further settings on a containerd node. */
const CRI_POD_NEEDS: { [K in keyof IPodSpec]?: Need<IPodSpec[K]> } = {
  hostPID: {
    value: true,
    why: "pod-sandbox-recreated kills a pod's sandbox process by the pid the runtime reports, a pid of the node's namespace",
  },
};
const CRI_CONTAINER_SECURITY: { [K in keyof ISecurityContext]?: Need<ISecurityContext[K]> } = {
  privileged: {
    value: true,
    why: 'shmlab mounts the tmpfs of an emptyDir with medium: Memory as the kubelet does (CAP_SYS_ADMIN), and Kubernetes admits Bidirectional mount propagation only in a privileged container',
  },
};

/** Labels of the namespace, with their reasons. */
export const NAMESPACE_LABELS: Record<string, Need<string>> = {
  'pod-security.kubernetes.io/enforce': {
    value: 'privileged',
    why: 'hostIPC and hostPath volumes are outside the baseline Pod Security Standard: a cluster that enforces it by default admits these pods only in a namespace that asks for the privileged level',
  },
};

/** Everything the pod of a node with this engine asks for. */
export function needsOf(socket: SocketKind) {
  const cri = socket === 'containerd';
  return {
    mounts: [SOCKETS[socket], ...HOST_MOUNTS, ...(cri ? CRI_MOUNTS : [])],
    pod: { ...POD_NEEDS, ...(cri ? CRI_POD_NEEDS : {}) },
    container: { ...CONTAINER_SECURITY, ...(cri ? CRI_CONTAINER_SECURITY : {}) },
  };
}

/** Every need as `name: value: why` lines, for the manifests' comments and the README. */
export function needsText(socket: SocketKind): string[] {
  const needs = needsOf(socket);
  const mounts = needs.mounts.map(
    (m) =>
      `hostPath ${m.hostPath} (${m.type}) at ${m.mountPath}${m.readOnly ? ', read-only' : ''}${m.mountPropagation ? `, ${m.mountPropagation}` : ''}: ${m.why}`,
  );
  const settings = [
    ...Object.entries(needs.pod).map(([k, n]) => `${k}: ${JSON.stringify(n?.value)}: ${n?.why}`),
    ...Object.entries(needs.container).map(([k, n]) => `securityContext.${k}: ${JSON.stringify(n?.value)}: ${n?.why}`),
    ...Object.entries(NAMESPACE_LABELS).map(([k, n]) => `namespace label ${k}=${n.value}: ${n.why}`),
  ];
  return [...mounts, ...settings];
}
