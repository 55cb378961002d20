// The survival table's texts: each kind of memory's label, usual advice, claims and remedies, and where Kubernetes
// means them otherwise. The advice algorithm is the renderer's (src/report/survival-advice.ts).
import type { MemoryKind, Operation } from '../src/model/experiment.js';
import type { KindText, Remedy, SurvivalTexts } from '../src/model/survival.js';

const HOST: Remedy = { name: '`--ipc=host`', words: "hold it in the host's IPC namespace (`--ipc=host`, at the price of sharing it)", kind: 'sysv-host' };
const HOLDER: Remedy = {
  name: '`--ipc=container:<holder>`',
  words: 'hold it in a holder container that keeps running (`--ipc=container:<holder>`)',
  kind: 'sysv-holder',
};
// A volume is no part of a committed image: it is advice for restarts, kills and re-creation only.
const VOLUME: Remedy = {
  name: 'a file on a named volume',
  words: 'keep the data in a file on a named volume',
  kind: 'mmap-volume',
  across: ['restart', 'kill', 'recreate'],
};
const LAYER: Remedy = { name: "a file in the container's writable layer", words: 'map a file on the writable layer', kind: 'mmap-layer' };
const EMPTYDIR: Remedy = {
  name: 'a file in an `emptyDir`',
  words: 'keep the data in a file in an `emptyDir`',
  kind: 'mmap-volume',
  across: ['restart', 'kill'],
};

const NAMESPACE_KEPT =
  "this engine kept the container's IPC namespace across it, so a program that expects a clean start finds the old objects: remove them at start";

export const MEMORY_KINDS: Record<MemoryKind, KindText> = {
  'sysv-private': {
    label: "System V, the container's own IPC namespace (default)",
    advice:
      "lives only as long as the container's processes: to keep it across restarts, hold it in another IPC namespace (`--ipc=host`, or `--ipc=container:<holder>` with a holder that keeps running) or keep the data in a file.",
    usual: { restart: 'lost', kill: 'lost', recreate: 'lost', commit: 'lost', pause: 'kept' },
    names: ['restart'],
    statement: "it lives only as long as the container's processes",
    lostMeans: "the container's IPC namespace did not outlive the operation",
    keptMeans: `${NAMESPACE_KEPT} (\`ipcrm\`, or \`IPC_RMID\`)`,
    remedies: [HOST, HOLDER, VOLUME],
  },
  'sysv-sem': {
    label: 'System V semaphore set',
    advice: "belongs to the IPC namespace, like a segment: gone when the container's namespace goes (a stop), kept across pause.",
    usual: { restart: 'lost', kill: 'lost', recreate: 'lost', commit: 'lost', pause: 'kept' },
    names: ['restart', 'pause'],
    statement: "it belongs to the IPC namespace, like a segment: it goes with the container's namespace",
    lostMeans: "the container's IPC namespace did not outlive the operation: a program must create its semaphores anew",
    keptMeans: `${NAMESPACE_KEPT}: a semaphore keeps its value, so set it at start`,
    remedies: [VOLUME],
  },
  'sysv-msg': {
    label: 'System V message queue',
    advice: "belongs to the IPC namespace, like a segment: its messages go with the container's namespace.",
    usual: { restart: 'lost', kill: 'lost', recreate: 'lost', commit: 'lost', pause: 'kept' },
    statement: "it belongs to the IPC namespace, like a segment: its messages go with the container's namespace",
    lostMeans: "the container's IPC namespace did not outlive the operation, and unread messages went with it",
    keptMeans: `${NAMESPACE_KEPT}: unread messages wait for the next start`,
    remedies: [VOLUME],
  },
  'posix-mq': {
    label: 'POSIX message queue (`mq_open`)',
    advice: "lives in the IPC namespace's mqueue file system: gone with the container's namespace.",
    usual: { restart: 'lost', kill: 'lost', recreate: 'lost', commit: 'lost', pause: 'kept' },
    statement: "it lives in the IPC namespace's mqueue file system: it goes with the container's namespace",
    lostMeans: "the container's IPC namespace did not outlive the operation, and unread messages went with it",
    keptMeans: `${NAMESPACE_KEPT}: unread messages wait for the next start`,
    remedies: [VOLUME],
  },
  'sysv-host': {
    label: 'System V, `--ipc=host`',
    advice:
      "outlives the container (it is the host's): survives restarts and kills, and must be removed by hand (`ipcrm`), at the price of sharing the host's IPC namespace.",
    usual: { restart: 'kept', kill: 'kept', recreate: 'kept' },
    names: ['restart', 'kill'],
    statement: "it outlives the container (it is the host's), and must be removed by hand (`ipcrm`), at the price of sharing the host's IPC namespace",
    lostMeans:
      "a segment made with `--ipc=host` did not outlive the container here, as one in the host's IPC namespace would: this engine's `--ipc=host` is not the host's IPC namespace",
    keptMeans: 'it outlived the container: remove it by hand (`ipcrm`)',
    remedies: [VOLUME],
  },
  'sysv-holder': {
    label: 'System V, shared holder (`--ipc=container:`)',
    advice: "survives the app's restarts for as long as the holder container runs; restart the holder and it is gone.",
    usual: { restart: 'kept' },
    names: ['restart'],
    statement: "it lives in the holder's IPC namespace, as long as the holder runs",
    lostMeans:
      "the running holder's IPC namespace did not keep the app's data: on this engine a holder container does not preserve shared memory across the app's restarts",
    keptMeans: "it lived on in the holder's IPC namespace",
    remedies: [VOLUME],
  },
  'posix-shm': {
    label: 'POSIX `shm_open` (`/dev/shm`)',
    advice:
      "the container's /dev/shm is a tmpfs made anew at each start: to keep the data, map a file on the writable layer or a volume instead; size the tmpfs with `--shm-size`.",
    usual: { restart: 'lost', kill: 'lost', recreate: 'lost', commit: 'lost', pause: 'kept' },
    names: ['restart'],
    statement: "the container's /dev/shm is a tmpfs made anew at each start",
    lostMeans: "the container's /dev/shm did not outlive the operation",
    keptMeans: "this engine kept the container's /dev/shm across it: remove stale objects at start (`shm_unlink`)",
    remedies: [LAYER, VOLUME],
  },
  'mmap-layer': {
    label: 'mmap file, writable layer',
    advice: 'survives restarts, kills and `docker commit`, but not removing the container: to keep it across re-creation, put the file on a named volume.',
    usual: { restart: 'kept', kill: 'kept', commit: 'kept', pause: 'kept', recreate: 'lost' },
    names: ['restart', 'kill', 'commit', 'recreate'],
    statement: 'the file lives in the writable layer, which goes with the container',
    lostMeans: "this engine did not keep the container's writable layer across it",
    keptMeans: "the writable layer's file outlived the container",
    remedies: [VOLUME],
  },
  'mmap-volume': {
    label: 'mmap file, named volume',
    advice: 'lives on the volume, apart from any container: it survives restarts, and removing and re-creating the container.',
    usual: { restart: 'kept', kill: 'kept', recreate: 'kept', commit: 'kept', pause: 'kept' },
    names: ['restart', 'recreate'],
    statement: 'the file lives on the volume, apart from any container',
    lostMeans: "this engine's volume did not keep its files: data that must last needs other storage",
    keptMeans: 'the volume kept the file',
  },
  'memory-volume': {
    label: 'file in a tmpfs volume (`--tmpfs`)',
    advice: "memory of the container's own: sized as asked, gone when the container stops.",
    usual: { restart: 'lost', kill: 'lost', recreate: 'lost', commit: 'lost', pause: 'kept' },
    names: ['restart'],
    statement: "it is memory of the container's own, gone when the container stops",
    lostMeans: 'the tmpfs did not outlive the operation',
    keptMeans: 'the tmpfs kept its files across it',
    remedies: [VOLUME],
  },
};

const OPERATIONS: Record<Operation, string> = {
  restart: 'stop + start',
  pause: 'pause + unpause',
  kill: 'kill (SIGKILL) + start',
  // Pods only (a Docker API engine has no sandbox): in their place between a restart and a new pod.
  sandbox: 'sandbox re-created',
  runtime: 'runtime restarted',
  recreate: 'remove + new container',
  commit: 'commit + new container',
};

const POD_KEPT = "the pod's namespace outlived the operation, so a program that expects a clean start finds the old objects";

/** On Kubernetes (CRI) the same rows and columns mean other things: the pod, not the container, holds the IPC namespace. */
export const ON_KUBERNETES: { kinds: Partial<Record<MemoryKind, KindText>>; operations: Partial<Record<Operation, string>> } = {
  kinds: {
    'sysv-private': {
      label: "System V, the pod's IPC namespace (default)",
      advice:
        "lives as long as the pod's sandbox: a container restart keeps it, so a program finds its old segments when it starts again, and so does a restart of the runtime; a new pod does not, nor does a sandbox re-created after its pause process died (the pod's `SandboxChanged` event). With `kernel.shm_rmid_forced=1` (a pod sysctl on the kubelet's safe list) the kernel removes a segment as soon as nothing is attached to it, even while the pod runs.",
      usual: { restart: 'kept', kill: 'kept', recreate: 'lost', sandbox: 'lost', runtime: 'kept' },
      statement: "it lives as long as the pod's sandbox",
      lostMeans: "the restarted container did not keep the pod's IPC namespace",
      keptMeans: `${POD_KEPT}; with \`kernel.shm_rmid_forced=1\` (a pod sysctl on the kubelet's safe list) the kernel removes a segment as soon as nothing is attached to it`,
      remedies: [EMPTYDIR],
    },
    'sysv-host': {
      label: 'System V, `hostIPC: true`',
      advice: "the node's: survives restarts and new pods, and must be removed by hand, at the price of sharing the node's IPC namespace.",
      usual: { restart: 'kept', kill: 'kept', recreate: 'kept' },
      statement: "it is the node's, and must be removed by hand, at the price of sharing the node's IPC namespace",
      lostMeans:
        "a segment made in a `hostIPC` pod did not outlive the pod here, as one in the node's IPC namespace would: this runtime's `hostIPC` is not the node's IPC namespace",
      keptMeans: 'it outlived the pod: remove it by hand (`ipcrm`)',
      remedies: [EMPTYDIR],
    },
    'sysv-holder': {
      label: 'System V, another container of the pod',
      advice: "the pod's containers share one IPC namespace, which outlives any one of them: restarting either container keeps it.",
      usual: { restart: 'kept' },
      statement: "the pod's containers share one IPC namespace, which outlives any one of them",
      lostMeans: "the pod's IPC namespace did not keep the data across a container's restart",
      keptMeans: "it lived on in the pod's IPC namespace",
      remedies: [EMPTYDIR],
    },
    'posix-shm': {
      label: "POSIX `shm_open` (the pod's `/dev/shm`)",
      advice:
        'one 64 MiB tmpfs per pod sandbox, shared by its containers and kept across container restarts and restarts of the runtime, gone with a re-created sandbox; there is no shm size for a pod: for more, mount an `emptyDir` with `medium: Memory` and a size limit on `/dev/shm`.',
      usual: { restart: 'kept', kill: 'kept', recreate: 'lost', sandbox: 'lost', runtime: 'kept' },
      statement: "the pod's /dev/shm is one tmpfs of the pod, shared by its containers",
      lostMeans: "the restarted container did not keep the pod's /dev/shm",
      keptMeans: `${POD_KEPT}: remove stale objects at start (\`shm_unlink\`)`,
      remedies: [EMPTYDIR],
    },
    'mmap-layer': {
      label: 'mmap file, writable layer',
      advice: 'lost at every container restart: a restarted container is a new one (attempt + 1), with a new writable layer. Put the file on a volume.',
      usual: { restart: 'lost', kill: 'lost', recreate: 'lost' },
      statement: 'a restarted container is a new one (attempt + 1), with a new writable layer',
      lostMeans: "the new container's writable layer does not have the file",
      keptMeans: 'the restarted container kept its writable layer',
      remedies: [EMPTYDIR],
    },
    'mmap-volume': {
      label: "mmap file, `emptyDir` (a folder shmlab makes for the pod, in the kubelet's place)",
      advice:
        "survives container restarts: the runtime mounts the pod's folder into the new container. An `emptyDir` goes with its pod (the kubelet removes it; here shmlab does).",
      usual: { restart: 'kept', kill: 'kept' },
      statement: "the runtime mounts the pod's folder into each new container",
      lostMeans: "this runtime did not mount the pod's `emptyDir` folder into the restarted container as it was asked",
      keptMeans: 'the file outlived the container',
    },
    'sysv-sem': {
      label: 'System V semaphore set',
      advice: "the pod's, like its segments: kept across container restarts, with its value, gone with the pod.",
      usual: { restart: 'kept', kill: 'kept', recreate: 'lost' },
      statement: "it is the pod's, like its segments: gone with the pod",
      lostMeans: "the restarted container did not keep the pod's IPC namespace: a program must create its semaphores anew",
      keptMeans: `${POD_KEPT}: a semaphore keeps its value, so set it at start`,
      remedies: [EMPTYDIR],
    },
    'sysv-msg': {
      label: 'System V message queue',
      advice: "the pod's: unread messages wait across container restarts, and go with the pod.",
      usual: { restart: 'kept', kill: 'kept', recreate: 'lost' },
      statement: "it is the pod's: its messages go with the pod",
      lostMeans: "the restarted container did not keep the pod's IPC namespace, and unread messages went with it",
      keptMeans: `${POD_KEPT}: unread messages wait for the next start`,
      remedies: [EMPTYDIR],
    },
    'posix-mq': {
      label: 'POSIX message queue (`mq_open`)',
      advice: "in the pod's mqueue file system: kept across container restarts and restarts of the runtime, gone with the pod or a re-created sandbox.",
      usual: { restart: 'kept', kill: 'kept', recreate: 'lost', sandbox: 'lost', runtime: 'kept' },
      statement: "it lives in the pod's mqueue file system: gone with the pod",
      lostMeans: "the restarted container did not keep the pod's IPC namespace, and unread messages went with it",
      keptMeans: `${POD_KEPT}: unread messages wait for the next start`,
      remedies: [EMPTYDIR],
    },
    'memory-volume': {
      label: "`emptyDir` with `medium: Memory` (a tmpfs shmlab mounts for the pod, in the kubelet's place)",
      advice:
        "a tmpfs of the `sizeLimit` on the pod's folder, mounted by the runtime into each of the pod's containers: kept across container restarts. It goes with its pod (the kubelet unmounts it; here shmlab does).",
      usual: { restart: 'kept', kill: 'kept' },
      statement: "the runtime mounts the pod's tmpfs into each new container",
      lostMeans: "this runtime did not mount the pod's in-memory `emptyDir` into the restarted container as it was asked",
      keptMeans: 'the file outlived the container',
    },
  },
  operations: {
    restart: 'container restart (same pod)',
    kill: 'kill + restart (same pod)',
    sandbox: 'sandbox re-created (same pod)',
    runtime: 'containerd restarted',
    recreate: 'new pod',
  },
};

export const SURVIVAL: SurvivalTexts = { kinds: MEMORY_KINDS, operations: OPERATIONS, byFamily: { cri: ON_KUBERNETES } };
