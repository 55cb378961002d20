// The action table: each step's `do` and the file that carries it out.
import type { Step } from '../../model/experiment.js';
import type { Action, StepOf } from './action.js';
import { awaitMarker } from './await.js';
import { commit } from './commit.js';
import { diff } from './diff.js';
import { exec } from './exec.js';
import { hostSegment } from './host-segment.js';
import { hostSysctls } from './host-sysctls.js';
import { inspect } from './inspect.js';
import { kill } from './kill.js';
import { logs } from './logs.js';
import { pause } from './pause.js';
import { remove } from './remove.js';
import { restartRuntime } from './restart-runtime.js';
import { run } from './run.js';
import { sandbox } from './sandbox.js';
import { start } from './start.js';
import { stop } from './stop.js';

const ACTIONS: { [A in Step['do']]: Action<StepOf<A>> } = {
  run,
  exec,
  await: awaitMarker,
  commit,
  'host-sysctls': hostSysctls,
  'host-segment': hostSegment,
  stop,
  start,
  kill,
  pause,
  // One action freezes and thaws: the step says which.
  unpause: pause,
  remove,
  diff,
  inspect,
  logs,
  // One action kills a sandbox and re-creates it: the step says which.
  'kill-sandbox': sandbox,
  'recreate-sandbox': sandbox,
  'restart-runtime': restartRuntime,
};

/** The action of a step, typed for it. */
export function actionOf<S extends Step>(step: S): Action<S> {
  return ACTIONS[step.do] as unknown as Action<S>;
}
