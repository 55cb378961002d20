// What the pod experiments share: they apply to Kubernetes node runtimes only, and say why elsewhere.
import type { Experiment } from '../src/model/experiment.js';

export const ONLY_IN_PODS: Pick<Experiment, 'requires' | 'section'> = {
  section: 'D',
  requires: ['pods'],
};

/**
 * How a Kubernetes node restarts a container, with its source (no kubelet runs here: shmlab does the same in its
 * place): a new container, attempt + 1, created in the pod's existing sandbox (pkg/kubelet/kuberuntime/
 * kuberuntime_manager.go, computePodActions and SyncPod).
 */
export const KUBELET_RESTART =
  "On a Kubernetes node a container's restart is a new container (attempt + 1) in the same pod sandbox (the kubelet's `computePodActions`, pkg/kubelet/kuberuntime/kuberuntime_manager.go; shmlab does the same in the kubelet's place)";

/** A restart step's why, true on every engine. */
export const RESTART_WHY = 'a restart, not a re-creation (on CRI, as the kubelet would: a new container, attempt + 1, in the same pod)';

/** The values the pod experiments write and expect to read back. */
export const SEM_VALUE = 'value=42\n';
export const MESSAGE = 'message: shmlab\n';
export const MIB = 1024 * 1024;
