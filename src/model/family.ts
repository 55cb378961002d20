// Engine families: how shmlab drives an engine. Docker and Podman are driven through the Docker API; containerd through
// Kubernetes' CRI, as a kubelet drives it. Set-ups (a runtime, rootless) are configurations of a family, not new
// ones. An experiment states what it requires; the family's capabilities answer, each lacking one with its reason.
import type { EngineKind } from './experiment.js';

export type FamilyName = 'docker-api' | 'cri';

/** What an experiment may need of a family beyond containers, exec, stop, start, kill and remove. */
export type Capability = 'pause' | 'commit' | 'diff' | 'pods' | 'container-sysctls' | 'ipc-modes';

/** A family's capabilities: `true`, or why it lacks one (said as the experiment's "not applicable" reason). */
export type Capabilities = Record<Capability, true | string>;

export interface FamilyFacts {
  name: FamilyName;
  /** The family as a reader names it. */
  title: string;
  capabilities: Capabilities;
}

export const FAMILIES: Record<FamilyName, FamilyFacts> = {
  'docker-api': {
    name: 'docker-api',
    title: 'the Docker API',
    capabilities: {
      pause: true,
      commit: true,
      diff: true,
      pods: 'it asks what a Kubernetes pod does, and shmlab drives this engine through the Docker API, which has no pods',
      'container-sysctls': true,
      'ipc-modes': true,
    },
  },
  cri: {
    name: 'cri',
    title: "Kubernetes' CRI",
    capabilities: {
      pause: 'Kubernetes has no pause of a container: CRI has no pause or unpause call',
      commit: 'Kubernetes has no commit of a container: CRI has no call that makes an image of one, and a pod runs only images the node already holds',
      diff: "CRI has no list of a container's changes",
      pods: true,
      'container-sysctls':
        "Kubernetes has no sysctl of a container: CRI's ContainerConfig has no sysctls, only the pod's LinuxPodSandboxConfig has (spec.securityContext.sysctls), applied when the pod is made, so a second container of the pod cannot ask for one",
      'ipc-modes':
        "Kubernetes has no IPC modes between containers: every container of a pod shares the pod's IPC namespace, and shmlab creates a container that joins another in that container's pod, so what it keeps would be fixed by that, not by the runtime (pod-restart-ipc asks what a restart in the pod keeps)",
    },
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
