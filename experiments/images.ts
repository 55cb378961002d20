// The image variants: one build context (fixtures/ + the compiled programs + busybox), differing only in CMD.
import type { ImageVariant } from '../src/model/catalog.js';

export const IMAGES: Record<string, ImageVariant> = {
  lab: { cmd: ['/bin/idle'], purpose: 'probe programs with an idle PID 1 that exits at once on SIGTERM' },
  'startup-script': {
    cmd: ['/bin/start.sh'],
    purpose: "the blog's start.sh: `sysctl -p`, then exec the long-running program",
  },
  'init-hook': {
    cmd: ['/sbin/my_init', '/bin/idle', '--show', '/proc/sys/kernel/shmmax'],
    purpose: 'a minimal my_init that runs /etc/my_init.d/*.sh before the CMD, as phusion/baseimage does',
  },
  postgresql: {
    cmd: ['/bin/idle'],
    purpose:
      "the probes with an idle PID 1, and PostgreSQL 15: Debian 12's postgresql-15, postgresql-client-15 and libpq5 packages with the host's libraries they load (run by /bin/pg-start, pg-stop, pg-crash, pg-ipc, pg-log, pg-parallel-join)",
    adds: 'postgresql',
  },
};
