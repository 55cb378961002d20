// The survival table's rows and columns, and the advice for each kind of memory.
import type { MemoryKind, Operation } from '../src/model/experiment.js';

export const MEMORY_KINDS: Record<MemoryKind, { label: string; advice: string }> = {
  'sysv-private': {
    label: 'System V, private IPC (default)',
    advice: 'lives only as long as the container\'s processes: to keep it across restarts, hold it in another IPC namespace (`--ipc=host`, or `--ipc=container:<holder>` with a holder that keeps running) or keep the data in a file.',
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
};

export const OPERATIONS: Record<Operation, string> = {
  restart: 'stop + start',
  pause: 'pause + unpause',
  kill: 'kill (SIGKILL) + start',
  recreate: 'remove + new container',
  commit: 'commit + new container',
};
