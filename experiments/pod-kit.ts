// What the pod experiments share: they apply to Kubernetes node runtimes only, and say why elsewhere.
import type { Experiment } from '../src/model/experiment.js';

export const ONLY_IN_PODS: Pick<Experiment, 'onlyOn' | 'notApplicableWhy' | 'section'> = {
  section: 'D',
  onlyOn: ['cri'],
  notApplicableWhy: 'it asks what a Kubernetes pod does (containers restarted by the kubelet inside one pod sandbox); a Docker API engine has no pods',
};

/** The values the pod experiments write and expect to read back. */
export const SEM_VALUE = 'value=42\n';
export const MESSAGE = 'message: shmlab\n';
export const MIB = 1024 * 1024;
