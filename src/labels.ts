// Every label shmlab puts on what it creates, in one place: cleanup, leftovers checks and reports find things by these.

/** On everything a run creates. */
export const LABEL = 'org.shmlab';
/** The run that made it. */
export const LABEL_RUN = 'org.shmlab.run';
/** The process lease of the shmlab process that made it: liveness is proven by that lease (run/process-lease.ts). */
export const LABEL_LEASE = 'org.shmlab.lease';
/** Informational: which process, on which host, when. */
export const LABEL_PID = 'org.shmlab.pid';
export const LABEL_HOST = 'org.shmlab.host';
export const LABEL_STARTED = 'org.shmlab.started';
/** The experiment a resource belongs to. */
export const LABEL_EXPERIMENT = 'org.shmlab.experiment';
/** A helper container (the one in the host's IPC namespace that lists and removes host segments). */
export const LABEL_HELPER = 'org.shmlab.helper';
/** A marker volume: the host SysV key it stands for. */
export const LABEL_HOST_KEY = 'org.shmlab.hostkey';
/** A cached image: its variant. Cached images carry no run label: they outlive runs on purpose. */
export const IMAGE_LABEL = 'org.shmlab.image';
/** On CRI pods and containers: the pod (by name) it belongs to, and the driver's handle of the container. */
export const LABEL_CRI_POD = 'org.shmlab.cri.pod';
export const LABEL_CRI_HANDLE = 'org.shmlab.cri.handle';
