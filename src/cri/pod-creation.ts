// A pod made for a container, as the kubelet makes one: recorded first, its log folder, then RunPodSandbox; a pod the
// runtime refused leaves nothing behind.
import type { ContainerRequest } from '../engine/lab-driver.js';
import type { CriClient } from './cri-client.js';
import * as crictl from './crictl-commands.js';
import type { Pod } from './pod-entries.js';
import { makePodLogFolder } from './pod-host.js';
import type { PodRemover } from './pod-removal.js';
import * as podSpec from './pod-spec.js';

interface PodAsked {
  request: ContainerRequest;
  privilege: podSpec.Privilege;
  place: podSpec.PodPlace;
  /** What shmlab does on the host in the kubelet's place, as shell lines for the transcript. */
  kubelet: string[];
  /** Whose network the node's network namespace is, for the grants. */
  network?: string;
  handler: string;
}

export async function createPod(client: CriClient, pods: PodRemover, { request, privilege, place, kubelet, network, handler }: PodAsked): Promise<Pod> {
  const { name, uid } = place;
  // Recorded before anything exists: a run killed from here on leaves a pod (listed or not, if RunPodSandbox never
  // returned), its processes, cgroup and folders, which `clean` then finds by this record.
  pods.claim({ runtime: client.address, name, uid, ...podSpec.traceOf(place) });
  makePodLogFolder(place.logDirectory, kubelet);
  const config = podSpec.podSandboxConfig(request, privilege, place);
  // What is asked of RunPodSandbox, shown should the runtime refuse the pod.
  const names = crictl.crictlNames(request.logicalName, request.logicalName);
  request.onCommand?.(crictl.podCommand(names, config, kubelet), podSpec.grantsOf(request.spec, privilege, network, place.userns));
  try {
    const id = await client.runPodSandbox(config, handler);
    return { id, place, owner: request.logicalName, config, members: new Set() };
  } catch (err) {
    // A refused sandbox may still be listed (NOTREADY): remove it, and what shmlab made for it in any case.
    const left = await client.listPodSandbox({ label_selector: { [podSpec.POD_LABEL]: name } }).catch(() => []);
    await pods.removePods([...left.filter((p) => p.metadata.uid === uid).map((p) => ({ id: p.id, name, uid })), { name, uid }]);
    throw err;
  }
}
