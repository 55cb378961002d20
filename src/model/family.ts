// Engine families: how shmlab drives an engine. Docker and Podman are driven through the Docker API; containerd through
// Kubernetes' CRI, as a kubelet drives it. Set-ups (a runtime, rootless) are configurations of a family, not new
// ones. An experiment states what it requires; the family's capabilities answer, each lacking one with its reason.

/**
 * The kind of engine a report names (its environment's `kind`): docker and podman, driven through the Docker API, or
 * cri, a Kubernetes node runtime. How shmlab drives it is its family (familyOf).
 */
export type EngineKind = 'docker' | 'podman' | 'cri';

export type FamilyName = 'docker-api' | 'cri';

/**
 * A set-up of a family whose answers legitimately differ from the family's, its expectations applied after the
 * family's: `rootless`, an engine run by an unprivileged user in a user namespace of its own (Podman; Docker 23 and
 * later, which give a container in the host's IPC namespace the host's /dev/mqueue, bound), and
 * `rootless-docker-20.10`, a rootless Docker before 23 (there was no 21 or 22), which mounts a new one there.
 */
export type SetUpName = 'rootless' | 'rootless-docker-20.10';

/** What expectations are keyed by: an engine family, or a set-up of one. */
export type ExpectationKey = FamilyName | SetUpName;

/** The set-up a report's environment names, or undefined for the family's plain one. */
export function setUpOf(env: { kind: EngineKind; serverVersion: string; rootless?: true }): SetUpName | undefined {
  if (!env.rootless) return undefined;
  return env.kind === 'docker' && Number.parseInt(env.serverVersion, 10) < 23 ? 'rootless-docker-20.10' : 'rootless';
}

/** What an experiment may need of a family beyond containers, exec, stop, start, kill and remove. */
export type Capability = 'pause' | 'commit' | 'diff' | 'pods' | 'container-sysctls' | 'ipc-modes' | 'user-namespaces' | 'memory-limit';

/** A family's capabilities: `true`, or why it lacks one (said as the experiment's "not applicable" reason). */
type Capabilities = Record<Capability, true | string>;

interface FamilyFacts {
  name: FamilyName;
  /** The family as a reader names it. */
  title: string;
  capabilities: Capabilities;
  /** The variable that names an engine's address (crictl's and docker's conventions), as `--engine` sets it. */
  addressVariable: 'DOCKER_HOST' | 'CONTAINER_RUNTIME_ENDPOINT';
  /** Said after the engine's name and version in a report's title, and in a matrix column's. */
  titleSuffix: { report: string; column: string };
  /** How a report says that privileged containers ran as asked. */
  privileged: string;
  /** The heading of the common explanation, in a report where the family has expectations of its own. */
  othersHeading: string;
  /** Whether shmlab stands in for the kubelet (and the report says what it did in its place). */
  inKubeletPlace: boolean;
}

export const FAMILIES: Record<FamilyName, FamilyFacts> = {
  'docker-api': {
    name: 'docker-api',
    title: 'the Docker API',
    capabilities: {
      pause: true,
      // Each engine says whether its containers have cgroups (the driver's lacks()): a rootless one may have none.
      'memory-limit': true,
      commit: true,
      diff: true,
      pods: 'it asks what a Kubernetes pod does, and shmlab drives this engine through the Docker API, which has no pods',
      'container-sysctls': true,
      'ipc-modes': true,
      'user-namespaces':
        "it asks what a Kubernetes pod with a user namespace of its own (hostUsers: false) does; a Docker API engine's user namespaces are the daemon's setting (userns-remap), not a container's",
    },
    addressVariable: 'DOCKER_HOST',
    titleSuffix: { report: '', column: '' },
    privileged: '`--privileged` (this engine started privileged containers here)',
    othersHeading: 'On the other engines',
    inKubeletPlace: false,
  },
  cri: {
    name: 'cri',
    title: "Kubernetes' CRI",
    capabilities: {
      pause: 'Kubernetes has no pause of a container: CRI has no pause or unpause call',
      commit: 'Kubernetes has no commit of a container: CRI has no call that makes an image of one, and a pod runs only images the node already holds',
      diff: "CRI has no list of a container's changes",
      pods: true,
      'memory-limit': true,
      // Each runtime says whether its handler supports them (the driver's lacks()).
      'user-namespaces': true,
      'container-sysctls':
        "Kubernetes has no sysctl of a container: CRI's ContainerConfig has no sysctls, only the pod's LinuxPodSandboxConfig has (spec.securityContext.sysctls), applied when the pod is made, so a second container of the pod cannot ask for one",
      'ipc-modes':
        "Kubernetes has no IPC modes between containers: every container of a pod shares the pod's IPC namespace, and shmlab creates a container that joins another in that container's pod, so what it keeps would be fixed by that, not by the runtime (pod-restart-ipc asks what a restart in the pod keeps)",
    },
    addressVariable: 'CONTAINER_RUNTIME_ENDPOINT',
    titleSuffix: { report: ' (Kubernetes CRI)', column: ' (CRI)' },
    privileged: 'privileged security context (this runtime started privileged containers here)',
    othersHeading: 'On Docker and Podman',
    inKubeletPlace: true,
  },
};

/** The family that drives an engine of a report's kind (docker and podman: the Docker API; cri: CRI). */
export function familyOf(kind: EngineKind): FamilyName {
  return kind === 'cri' ? 'cri' : 'docker-api';
}

/** Why `family` cannot run an experiment that requires `needs`, or undefined when it can. */
export function lacking(family: FamilyName, needs: readonly Capability[] = []): string | undefined {
  for (const need of needs) {
    const answer = FAMILIES[family].capabilities[need];
    if (answer !== true) return answer;
  }
  return undefined;
}

/** How a family's engines are named where a report does not say (no CRI runtime name). */
const PRODUCTS: Record<EngineKind, { id: string; title: string }> = {
  docker: { id: 'docker', title: 'Docker' },
  podman: { id: 'podman', title: 'Podman' },
  cri: { id: 'cri', title: 'CRI runtime' },
};

type Named = { kind: EngineKind; runtimeName?: string };

/** The engine's own name, lower-case: docker, podman, or the CRI runtime's (containerd). */
export function engineId(env: Named): string {
  return env.runtimeName ?? PRODUCTS[env.kind].id;
}

/** The engine as a reader names it: Docker, Podman, or the CRI runtime's name (containerd). */
export function productTitle(env: Named): string {
  return env.runtimeName ?? PRODUCTS[env.kind].title;
}
