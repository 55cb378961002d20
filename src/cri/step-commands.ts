// The crictl command of a step on an existing container of a pod, as the transcript shows it.
import * as crictl from './crictl-commands.js';
import type { Entry } from './pod-entries.js';
import { undoLines } from './pod-host.js';
import * as podSpec from './pod-spec.js';

export type StepCommand = 'exec' | 'stop' | 'start' | 'kill' | 'remove' | 'inspect' | 'logs' | 'kill-sandbox' | 'recreate-sandbox' | 'restart-runtime';

/** `members`: the containers of the entry's pod; `restartRuntime`: the command that restarts the runtime, if any. */
export function stepCommand(
  action: StepCommand,
  entry: Entry,
  members: readonly Entry[],
  cmd: string[],
  how: { execTimeout: number; stopTimeout: number; restartRuntime: string },
): string {
  const names = crictl.crictlNames(entry.logicalName, entry.pod.owner);
  switch (action) {
    case 'kill-sandbox':
      return crictl.killSandboxCommand(names);
    case 'restart-runtime':
      return how.restartRuntime;
    case 'recreate-sandbox':
      return crictl.recreateCommand(
        names,
        podSpec.nextSandboxAttempt(entry.pod.config),
        members.map((m) => ({ names: crictl.crictlNames(m.logicalName, m.pod.owner), config: podSpec.nextAttempt(m.config, m.logicalName) })),
        how.stopTimeout,
      );
    case 'exec':
      return crictl.execCommand(names, cmd, how.execTimeout);
    case 'stop':
      return crictl.stopCommand(names, how.stopTimeout);
    case 'kill':
      return crictl.stopCommand(names, 0);
    case 'start':
      return crictl.restartCommand(names, podSpec.nextAttempt(entry.config, entry.logicalName));
    case 'remove':
      return crictl.removeCommand(names, entry.pod.members.size === 1, undoLines(podSpec.traceOf(entry.pod.place)));
    case 'inspect':
      return crictl.inspectCommand(names);
    case 'logs':
      return crictl.logsCommand(names);
  }
}
