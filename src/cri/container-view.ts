// What the transcript shows of a container on inspect, from the runtime's own statuses of the container and its pod.
import type { ContainerView } from '../engine/lab-driver.js';
import type { ContainerState } from '../model/experiment.js';
import type { ContainerStatus, NamespaceMode, PodSandboxStatus } from './cri-types.js';

/** `pod`: the sandbox's status, if the runtime gave it; `podId` and `askedIpc` (what the pod was created with) stand in. */
export function containerView(status: ContainerStatus, pod: PodSandboxStatus | undefined, podId: string, askedIpc: NamespaceMode | undefined): ContainerView {
  const state: ContainerState = status.state === 'CONTAINER_RUNNING' ? 'running' : status.state === 'CONTAINER_CREATED' ? 'created' : 'exited';
  const ipc = pod?.linux?.namespaces?.options?.ipc ?? askedIpc;
  return {
    state,
    exitCode: state === 'exited' ? status.exit_code : null,
    lines: [
      `State: ${status.state}${status.reason ? ` (${status.reason})` : ''}, attempt ${status.metadata.attempt}`,
      `Pod: ${podId} (${pod ? `${pod.state}, attempt ${pod.metadata.attempt}` : 'unknown'})`,
      `IPC: ${ipc}`,
      ...status.mounts.map((m) => `Mount: ${m.host_path} -> ${m.container_path}`),
    ],
  };
}
