// Carries out one step of an experiment on the engine and records what happened, success or not, in one shape.
// It knows no engine kind and no action: the action table (actions/) carries each step out, the driver does each
// operation and names the command that does the same.
import { engineWords } from '../engine/engine-words.js';
import { untilAborted } from '../engine/interruption.js';
import { shellQuote } from '../engine/shell-quote.js';
import type { Step, StepRecord } from '../model/experiment.js';
import { type ExperimentState, NotApplicableError } from './actions/experiment-state.js';
import { actionOf } from './actions/index.js';

export { shellQuote } from '../engine/shell-quote.js';
export { ExperimentState, NotApplicableError } from './actions/experiment-state.js';

export async function runStep(step: Step, state: ExperimentState): Promise<StepRecord> {
  const started = Date.now();
  const base = { id: step.id, action: step.do, container: step.container, why: step.why, startedAt: new Date(started).toISOString() };
  const action = actionOf(step);
  let command = placeholder(step, state);
  const setCommand = (full: string) => {
    command = full;
  };
  const handle = () => state.id(step.container);
  const describe = (cmd?: string[]) => setCommand(state.ctx.driver.commandFor(step.do, handle(), cmd) || placeholder(step, state));
  try {
    // A signal ends the wait at once for a step that creates nothing (an exec, a wait for logs): an engine that never
    // answers (a crashed sandbox's exec) must not hold the run until its deadline. The abandoned call ends at the
    // signal too where the driver listens to it, else at its deadline; cleanup goes on with calls of its own. A step
    // that creates a container, pod or image is waited for (within its deadline, and a short while after a signal),
    // so that cleanup knows what it made.
    const work = () => action.perform({ step, state, setCommand, describe, handle });
    const seen = await (action.creates ? work() : untilAborted(work, state.ctx.signal, 'while waiting for the engine'));
    return {
      ...base,
      command,
      exitCode: seen.exitCode === undefined ? 0 : seen.exitCode,
      stdout: seen.stdout ?? '',
      stderr: seen.stderr ?? '',
      state: seen.state,
      durationMs: Date.now() - started,
      engineFailed: false,
      ...(seen.skipped ? { skipped: seen.skipped } : {}),
    };
  } catch (err) {
    if (err instanceof NotApplicableError) throw err;
    const words = engineWords(err);
    const refused = step.do === 'run' && step.mayBeRefused !== undefined && isRefusal(err, step.mayBeRefused);
    const admission = refused && (err as Error).name === 'AdmissionRefusal';
    return {
      ...base,
      command,
      exitCode: 1,
      stdout: '',
      stderr: words,
      durationMs: Date.now() - started,
      engineFailed: true,
      ...(refused ? { refused } : {}),
      ...(admission ? { admission: true as const } : {}),
    };
  }
}

/** The step in words before the driver has named it (a failure before that keeps this one). */
function placeholder(step: Step, s: ExperimentState): string {
  const own = actionOf(step).placeholder?.(step, s);
  if (own) return own;
  const handle = s.ids.get(step.container);
  const named = handle ? s.ctx.driver.commandFor(step.do, handle, step.do === 'exec' ? step.cmd : undefined) : undefined;
  if (named) return named;
  return `${step.do} ${step.container}${step.do === 'exec' ? ` ${step.cmd.map(shellQuote).join(' ')}` : ''}`;
}

/**
 * A refusal is the engine's answer to this very request: an error answer whose words name the refused setting.
 * A deadline, a lost connection or a busy daemon ("context deadline exceeded") says nothing about the setting.
 * Docker API engines answer with an HTTP status, CRI runtimes with a gRPC status.
 */
export function isRefusal(err: unknown, names: RegExp): boolean {
  const e = err as { statusCode?: number; name?: string; code?: unknown };
  const http = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600;
  const grpc = e.name === 'CriError' && typeof e.code === 'string' && !/DEADLINE_EXCEEDED|UNAVAILABLE|CANCELLED/.test(e.code);
  // Admission, applied by shmlab in the kubelet's place, answers for the components it stands in for.
  const admission = e.name === 'AdmissionRefusal';
  const answered = http || grpc || admission;
  return answered && names.test(engineWords(err));
}
