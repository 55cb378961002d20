import { ALPHABET, EXIT, readOutcome } from '../src/model/experiment-kit.js';
import type { Experiment } from '../src/model/experiment.js';

// {hostKey}: a key of this run's own in the host's namespace (prefix 0x5d1a), removed after the experiment whatever happens.
const key = ['--key', '{hostKey}'];
const read = ['sysv-read', ...key];

export const ipcHost: Experiment = {
  slug: 'ipc-host',
  title: "System V shared memory in the host's IPC namespace (`--ipc=host`)",
  section: 'C',
  source: 'the blog\'s open question: "maybe Docker will add global IPC later"',
  blogSaw: 'no such option (the segment died with the container)',
  expectedToday: "the segment survives stop and start, a kill, and removing the container: it is the host's",
  explanation:
    "With `--ipc=host` the container joins the host's IPC namespace, which lives as long as the host: a segment created there no longer depends on any container, so it outlives restarts, kills and the container itself. That is the \"global IPC\" the blog hoped for, at the price of isolation (every such container sees every segment of the host) and of cleanup: nothing removes the segment but `ipcrm` (here shmlab removes it after the experiment, on every path).",
  containers: { app: { ipc: 'host' } },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'write', do: 'exec', container: 'app', cmd: ['sysv-write', ...key], why: "a key of this run's own" },
    { id: 'read-before', do: 'exec', container: 'app', cmd: read },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app' },
    { id: 'read-after-restart', do: 'exec', container: 'app', cmd: read },
    { id: 'kill', do: 'kill', container: 'app' },
    { id: 'start-after-kill', do: 'start', container: 'app' },
    { id: 'read-after-kill', do: 'exec', container: 'app', cmd: read },
    { id: 'remove', do: 'remove', container: 'app' },
    { id: 'run-new', do: 'run', container: 'app', why: 'a new container' },
    { id: 'read-after-recreate', do: 'exec', container: 'app', cmd: read },
  ],
  expect: [
    { step: 'write', means: "the segment is created in the host's namespace", exitCode: EXIT.ok },
    { step: 'read-before', means: 'the data is there', stdout: ALPHABET },
    { step: 'read-after-restart', means: 'it survives stop and start', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'read-after-kill', means: 'it survives a kill', exitCode: EXIT.ok, stdout: ALPHABET },
    { step: 'read-after-recreate', means: 'it survives removing the container', exitCode: EXIT.ok, stdout: ALPHABET },
  ],
  observe: (steps) => `${readOutcome(steps.get('read-after-restart'))} after restart, ${readOutcome(steps.get('read-after-recreate'))} after re-creation`,
  survival: [
    { kind: 'sysv-host', operation: 'restart', step: 'read-after-restart' },
    { kind: 'sysv-host', operation: 'kill', step: 'read-after-kill' },
    { kind: 'sysv-host', operation: 'recreate', step: 'read-after-recreate' },
  ],
};
