// The survival table's rows and columns, and the advice for each kind of memory.
import type { MemoryKind, Operation } from '../src/model/experiment.js';

export const MEMORY_KINDS: Record<MemoryKind, { label: string; advice: string }> = {
  'sysv-private': {
    label: 'System V, private IPC (default)',
    advice: 'lives only as long as the container\'s processes: to keep it across restarts, hold it in another IPC namespace (`--ipc=host`, or `--ipc=container:<holder>` with a holder that keeps running) or keep the data in a file.',
  },
  'sysv-sem': {
    label: 'System V semaphore set',
    advice: 'belongs to the IPC namespace, like a segment: gone when the container\'s namespace goes (stop, kill), kept across pause.',
  },
  'sysv-msg': {
    label: 'System V message queue',
    advice: 'belongs to the IPC namespace, like a segment: its messages go with the container\'s namespace.',
  },
  'posix-mq': {
    label: 'POSIX message queue (`mq_open`)',
    advice: "lives in the IPC namespace's mqueue file system: gone with the container's namespace.",
  },
  'sysv-host': {
    label: 'System V, `--ipc=host`',
    advice: "outlives the container (it is the host's): survives restarts and kills, and must be removed by hand (`ipcrm`), at the price of sharing the host's IPC namespace.",
  },
  'sysv-holder': {
    label: 'System V, shared holder (`--ipc=container:`)',
    advice: 'survives the app\'s restarts for as long as the holder container runs; restart the holder and it is gone.',
  },
  'posix-shm': {
    label: 'POSIX `shm_open` (`/dev/shm`)',
    advice: "the container's /dev/shm is a tmpfs made anew at each start: to keep the data, map a file on the writable layer or a volume instead; size the tmpfs with `--shm-size`.",
  },
  'mmap-layer': {
    label: 'mmap file, writable layer',
    advice: 'survives restarts, kills and `docker commit`, but not removing the container: to keep it across re-creation, put the file on a named volume.',
  },
  'mmap-volume': {
    label: 'mmap file, named volume',
    advice: 'survives everything that leaves the volume: restarts, kills, removing and re-creating the container.',
  },
  'memory-volume': {
    label: 'file in a tmpfs volume (`--tmpfs`)',
    advice: "memory of the container's own: sized as asked, gone when the container stops.",
  },
};

export const OPERATIONS: Record<Operation, string> = {
  restart: 'stop + start',
  pause: 'pause + unpause',
  kill: 'kill (SIGKILL) + start',
  recreate: 'remove + new container',
  commit: 'commit + new container',
};

/** On Kubernetes (CRI) the same rows and columns mean other things: the pod, not the container, holds the IPC namespace. */
export const ON_KUBERNETES: { kinds: Partial<Record<MemoryKind, { label: string; advice: string }>>; operations: Partial<Record<Operation, string>> } = {
  kinds: {
    'sysv-private': {
      label: "System V, the pod's IPC namespace (default)",
      advice: "lives as long as the pod: a container restart keeps it (a database that finds its old segment may refuse to start, as PostgreSQL does), a new pod does not. Only `kernel.shm_rmid_forced=1` (a safe pod sysctl) removes segments nothing is attached to.",
    },
    'sysv-host': {
      label: 'System V, `hostIPC: true`',
      advice: "the node's: survives restarts and new pods, and must be removed by hand, at the price of sharing the node's IPC namespace.",
    },
    'sysv-holder': {
      label: 'System V, another container of the pod',
      advice: "the pod's containers share one IPC namespace, which outlives any one of them: restarting either container keeps it.",
    },
    'posix-shm': {
      label: "POSIX `shm_open` (the pod's `/dev/shm`)",
      advice: "one 64 MiB tmpfs per pod, shared by its containers and kept across container restarts; there is no shm size for a pod: for more, mount an `emptyDir` with `medium: Memory` and a size limit on `/dev/shm`.",
    },
    'mmap-layer': {
      label: 'mmap file, writable layer',
      advice: 'lost at every container restart: the kubelet restarts a container as a new one, with a new writable layer. Put the file on a volume.',
    },
    'mmap-volume': {
      label: 'mmap file, `emptyDir`',
      advice: 'survives container restarts, and goes with the pod: for data that must outlive the pod, use a persistent volume.',
    },
    'sysv-sem': {
      label: 'System V semaphore set',
      advice: "the pod's, like its segments: kept across container restarts (a semaphore left locked by a crashed process stays locked), gone with the pod.",
    },
    'sysv-msg': {
      label: 'System V message queue',
      advice: "the pod's: unread messages wait across container restarts, and go with the pod.",
    },
    'posix-mq': {
      label: 'POSIX message queue (`mq_open`)',
      advice: "in the pod's mqueue file system: kept across container restarts, gone with the pod.",
    },
    'memory-volume': {
      label: '`emptyDir` with `medium: Memory`',
      advice: "a tmpfs sized by `sizeLimit`, shared by the pod's containers, kept across container restarts and gone with the pod: the way to give a pod more than 64 MiB of shared memory (mount it on `/dev/shm`).",
    },
  },
  operations: { restart: 'container restart (same pod)', kill: 'kill + restart (same pod)', recreate: 'new pod' },
};
