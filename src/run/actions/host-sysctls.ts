// `host-sysctls`: the host's IPC sysctls changed for the rest of the experiment, only where the engine's host IPC
// namespace is this process's (so that shmlab can put them back itself), and put back at its end on every path.
import { shellQuote } from '../../engine/shell-quote.js';
import { HostIpcUnreachable } from '../../lab/host-segments.js';
import { changeHostSysctls } from '../../lab/host-sysctls.js';
import type { Action, StepOf } from './action.js';
import { NotApplicableError } from './experiment-state.js';

export const hostSysctls: Action<StepOf<'host-sysctls'>> = {
  placeholder: (step) =>
    `sysctl -w ${Object.entries(step.set)
      .map(([k, v]) => shellQuote(`${k}=${v}`))
      .join(' ')}    # on the host`,
  async perform({ step, state: s }) {
    const ipc = await s.ctx.hostIpcIsOurs().catch((err: unknown) => {
      if (!(err instanceof HostIpcUnreachable)) throw err;
      throw new NotApplicableError(
        `runc could not start shmlab's one-off --ipc=host helper container (${err.words}): a container with this engine's default mounts cannot join the host's IPC namespace, so none could show the host's values; shmlab left the host's sysctls as they were`,
      );
    });
    if (!ipc.ours) {
      throw new NotApplicableError(
        `the engine's host IPC namespace is not this process's (its --ipc=host helper: ${ipc.seen}), and shmlab changes the host's sysctls only where it can put them back itself`,
      );
    }
    const change = await changeHostSysctls(step.set, s.ctx.session.lease);
    s.restores.push(change.restore);
    const keys = Object.keys(change.changed);
    s.grant(`changed the host's ${keys.join(', ')} for this experiment, and put them back at its end (--no-host-changes leaves it out)`);
    return { stdout: keys.map((k) => `${k}: ${change.changed[k]![0]} -> ${change.changed[k]![1]}\n`).join('') };
  },
};
