// What shmlab does on a Kubernetes node runtime in the kubelet's place (no kubelet runs), next to what a kubelet does,
// with the kubelet's source: every CRI report says it, so that no finding is read as the runtime's that was shmlab's.
import { FAMILIES, familyOf } from '../model/family.js';
import { KUBELET_FLAGS } from '../model/kubelet-admission.js';
import type { RunResult } from '../model/result.js';

/** Each part of a pod shmlab provides itself, as a list item of markdown. */
export const KUBELET_PLACE: readonly string[] = [
  "**Restarts.** shmlab stops the container (StopContainer, with a grace period; a kill is a grace period of 0), removes it, and creates and starts a new container with attempt + 1 in the same pod sandbox. A kubelet also creates attempt + 1 in the same sandbox, but leaves the exited container to its garbage collector instead of removing it at once (pkg/kubelet/kuberuntime/kuberuntime_manager.go, `computePodActions`, `SyncPod`; kuberuntime_gc.go); no experiment reads the exited container. So what these reports call kept across a restart is what a container restarted in its pod keeps (after a crash, a failed liveness probe); a rollout, an eviction or `kubectl delete pod` makes a new pod, which keeps none of it (as `pod-restart-ipc`'s new pod shows).",
  "**Pods.** A container that joins no other (`ipc: container:…`) gets a pod of its own (RunPodSandbox), with the node's network (`namespace_options.network = NODE`: for a runtime shmlab started, its daemon's own empty network namespace) and no CNI; a container that joins another is created in that container's pod. A pod goes with its last container (StopPodSandbox, RemovePodSandbox). A pod with `hostUsers: false` gets a user namespace of its own (`userns_options` mode POD, ids 0–65535 mapped onto a block of 65,536 host ids from 65536 on, taken in turn where a kubelet picks a free block at random, pkg/kubelet/userns/userns_manager.go) and, as it must, a network namespace of its own from the runtime's CNI configuration (for a runtime shmlab started: a bridge inside the daemon's own empty network namespace, link-local addresses, no way out).",
  "**emptyDir volumes.** shmlab makes an `emptyDir`'s folder on the node, under `/var/lib/shmlab/cri-data/<engine>/emptydir/<pod>/<volume>` (a kubelet uses `/var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~empty-dir/<volume>`, pkg/volume/emptydir/empty_dir.go), mounts a tmpfs of the `sizeLimit` on it for `medium: Memory` (a kubelet sizes it by the smallest of the node's allocatable memory, the pod's memory limit and the `sizeLimit`), passes it to the runtime as a mount of each container that asks for it, and unmounts and removes it with the pod. The transcripts show these actions where a step removes a pod; the pods left at the end of an experiment are removed the same way, after its transcript. What outlives a container in an `emptyDir` is the runtime mounting the same folder again; what a new pod finds there is whoever made its folder, so that is not asked.",
  '**Security context.** An unprivileged container is sent the masked and read-only paths a kubelet sends for `procMount: Default` (pkg/securitycontext/util.go, `ConvertToRuntimeMaskedPaths`, `ConvertToRuntimeReadonlyPaths`: `/proc/sys` among the read-only ones; none for `procMount: Unmasked`) and the RuntimeDefault seccomp profile.',
  `**Admission.** Before any CRI call shmlab applies the checks a cluster makes first: the API server's (Kubernetes 1.29+: no IPC sysctl on a \`hostIPC\` pod; no \`hostIPC\` with \`hostUsers: false\`; pkg/apis/core/validation), the kubelet's sysctl allowlist (pkg/kubelet/sysctl/allowlist.go: its safe list, and here \`${KUBELET_FLAGS}\`) and the kubelet's check that the runtime's handler supports user namespaces before it makes a pod with \`hostUsers: false\` (Kubernetes 1.30+, from the runtime's Status; where it does not, the experiments that need them are not applicable, quoting the kubelet). A pod they would refuse is reported refused *by admission*, in their words, and is not sent; where an experiment also wants the runtime's own answer, a step marked "sent without admission" sends it.`,
];

/** The section of a CRI report; nothing for another engine. */
export function kubeletPlace(run: RunResult): string {
  if (!FAMILIES[familyOf(run.environment.kind)].inKubeletPlace) return '';
  return [
    "## What shmlab does in the kubelet's place",
    'No kubelet runs: shmlab drives the runtime over CRI itself.',
    KUBELET_PLACE.map((i) => `- ${i}`).join('\n'),
  ].join('\n\n');
}
