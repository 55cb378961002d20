import type { Experiment, StepRecord } from '../src/model/experiment.js';
import { failure, ran, sentences, succeeded, unobserved } from '../src/model/experiment-kit.js';
import { outcomeWord } from './brief-kit.js';

// Values no new IPC namespace starts with, so that seeing them proves they came from the host.
const HOST_VALUES = { 'kernel.shmmax': '68719476736', 'kernel.sem': '250 32000 100 256', 'kernel.msgmni': '1024' };
const READ = ['sh', '-c', 'cat /proc/sys/kernel/shmmax /proc/sys/kernel/sem /proc/sys/kernel/msgmni'];
const HOSTS = /^68719476736\n250\s+32000\s+100\s+256\n1024\n$/;
// A new IPC namespace's defaults (include/uapi/linux/shm.h, sem.h, msg.h: MSGMNI 32000).
const DEFAULTS = /^18446744073692774399\n32000\s+1024000000\s+500\s+32000\n32000\n$/;

/** Whose values a read showed: the host's, a new namespace's defaults, other values, or why there is no answer. */
function seen(record: StepRecord | undefined): string {
  const not = unobserved(record);
  if (not) return not;
  if (!succeeded(record)) return `unreadable (${failure(record)})`;
  const stdout = `${record.stdout.trimEnd()}\n`;
  return HOSTS.test(stdout) ? "the host's values" : DEFAULTS.test(stdout) ? "a new namespace's defaults" : `other (${stdout.trim().replace(/\s+/g, ' ')})`;
}

export const hostSysctlNotInherited: Experiment = {
  slug: 'host-sysctl-not-inherited',
  title: "The host's kernel.shmmax, kernel.sem and kernel.msgmni are not the container's (IPC parameters are per namespace)",
  section: 'C',
  source:
    'users\' reports: "I set kernel.shmmax in the host\'s sysctl.conf and the container still has the default" (moby #10176, #16315; oracle/docker-images #901, #955)',
  blogSaw: 'not tried',
  expectedToday:
    "with the host's values changed, a container with its own IPC namespace sees the kernel's defaults for a new namespace, and one in the host's IPC namespace sees the host's",
  changesHost: true,
  explanation:
    "The IPC parameters (`kernel.shm*`, `kernel.sem`, `kernel.msg*`, `fs.mqueue.*`) belong to an IPC namespace, and a new IPC namespace starts from the kernel's compiled-in defaults, not from the values of the namespace that made it. Editing the host's `/etc/sysctl.conf` (or `sysctl -w` on the host) therefore changes nothing for a container with its own IPC namespace: set them per container (`--sysctl`, or a pod sysctl in Kubernetes) instead. Only a container in the host's IPC namespace (`--ipc=host`, `hostIPC: true`) sees the host's values, at the price of sharing its objects. shmlab changes the host's values for the moment of this experiment and puts them back at its end on every path (and, should it be killed, `shmlab clean` or the next run puts them back from the values it recorded first); `--no-host-changes` leaves it out.",
  containers: { host: { ipc: 'host' }, private: {} },
  steps: [
    { id: 'change-host', do: 'host-sysctls', container: 'host', set: HOST_VALUES, why: "the host's values, for this experiment only" },
    { id: 'run-private', do: 'run', container: 'private', why: 'its own IPC namespace' },
    { id: 'private-values', do: 'exec', container: 'private', cmd: READ },
    { id: 'run-host', do: 'run', container: 'host', why: "the host's IPC namespace" },
    { id: 'host-values', do: 'exec', container: 'host', cmd: READ },
  ],
  expect: [
    { step: 'private-values', means: "a container with its own IPC namespace has a new namespace's defaults, not the host's values", stdout: DEFAULTS },
    { step: 'host-values', means: "a container in the host's IPC namespace sees the host's values", stdout: HOSTS },
  ],
  observe: (steps) => `own IPC namespace: ${seen(steps.get('private-values'))}; host IPC namespace: ${seen(steps.get('host-values'))}`,
  // What the container with its own IPC namespace read (`defaults`, `inherited`), unless the --ipc=host one did not
  // read the host's values, which says the host's values were not there to inherit.
  brief: (steps) => {
    const own = seen(steps.get('private-values'));
    if (own === "the host's values") return 'inherited';
    if (own !== "a new namespace's defaults") return outcomeWord(own);
    const host = steps.get('host-values');
    return ran(host) && seen(host) !== "the host's values" ? 'host differs' : 'defaults';
  },
  whenDiffers: (steps) => {
    const [change, own, host] = ['change-host', 'private-values', 'host-values'].map((id) => steps.get(id));
    return sentences(
      failure(change) && `Changing the host's values failed (${failure(change)}).`,
      succeeded(change) &&
        seen(own) === "the host's values" &&
        "The container with its own IPC namespace read the values just set on the host: on this engine the host's IPC parameters reach containers (its new IPC namespaces copy them, or the container is not in a namespace of its own), so tuning the host changes what containers get.",
      succeeded(change) &&
        ran(host) &&
        seen(host) !== "the host's values" &&
        `The container with \`--ipc=host\` read ${seen(host)}, not the values just set on the host: this engine's "host" IPC namespace is not the host's, so sharing memory, or limits, with host processes does not work through \`--ipc=host\`.`,
    );
  },
};
