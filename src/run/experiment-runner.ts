// Runs one experiment's steps in order, cleans up after it on every path, and judges what it saw.
import type { Experiment, StepRecord } from '../model/experiment.js';
import type { ExperimentResult } from '../model/result.js';
import { judge } from '../verdict/judge.js';
import type { LabContext } from './lab-context.js';
import { ExperimentState, NotApplicableError, runStep } from './step-runner.js';

const BASE_GRANTS = ['no network (own empty namespace)', "runs as uid 0 (root), with the engine's default capabilities unless granted more below"];

export async function runExperiment(experiment: Experiment, ctx: LabContext): Promise<ExperimentResult> {
  const started = Date.now();
  if (experiment.onlyOn && !experiment.onlyOn.includes(ctx.engine))
    return notApplicable(experiment, experiment.notApplicableWhy ?? `it applies to ${experiment.onlyOn.join(', ')} only`, [], started);
  if (experiment.changesHost && ctx.noHostChanges)
    return notApplicable(experiment, "left out: --no-host-changes (it changes the host's kernel parameters for a moment)", [], started);
  const state = new ExperimentState(experiment, ctx, ctx.session.resources.child());
  const panicMark = ctx.panics?.mark();
  const records: StepRecord[] = [];
  let harnessError: string | undefined;
  let lacking: string | undefined;
  try {
    for (const step of experiment.steps) {
      if (ctx.signal.aborted) break;
      const record = await runStep(step, state);
      records.push(record);
      // Later steps build on this one: after an engine failure they would only report noise.
      if (record.engineFailed && !record.refused) break;
    }
  } catch (err) {
    if (err instanceof NotApplicableError) lacking = err.message;
    else harnessError = `harness error: ${(err as Error).stack ?? err}`;
  } finally {
    const problems: string[] = [];
    for (const restore of state.restores.splice(0)) {
      try {
        restore();
      } catch (err) {
        problems.push(`restoring the host's sysctls: ${(err as Error).message}`);
      }
    }
    problems.push(...(await state.resources.cleanup(ctx.removeHostKeys)));
    if (problems.length) {
      ctx.leftovers.push(...problems.map((p) => `${experiment.slug}: ${p}`));
      harnessError = [harnessError, `cleanup: ${problems.join('; ')}`].filter(Boolean).join('\n');
    }
  }
  if (lacking && !harnessError) return notApplicable(experiment, lacking, records, started);
  const judgement = judge(experiment, records, ctx.engine);
  const interrupted = ctx.signal.aborted && (records.length < experiment.steps.length || records.some((r) => r.stderr.startsWith('interrupted (')));
  const byId = new Map(records.map((r) => [r.id, r]));
  // A step the engine failed while the runtime panicked: the crash, not the behaviour under test, ended it.
  const panic = judgement.error && panicMark !== undefined ? ctx.panics?.since(panicMark) : undefined;
  // Several experiments run at once: the panic is a sandbox of this engine's, not necessarily this experiment's.
  const crashed = panic
    ? `${judgement.error}\na sandbox of this engine panicked meanwhile (the runtime's panic log, ${ctx.panics!.path}): ${panic}`
    : undefined;
  const error = interrupted ? `interrupted before step ${experiment.steps[records.length]?.id}` : (harnessError ?? crashed ?? judgement.error);
  const verdict = error && !(judgement.verdict === 'differs' && !harnessError && !interrupted && !crashed) ? 'error' : judgement.verdict;
  const instead = verdict === 'differs' ? experiment.whenDiffers?.(byId) : undefined;
  return {
    slug: experiment.slug,
    verdict,
    observed: experiment.observe(byId),
    ...(instead ? { instead } : {}),
    differences: judgement.differences,
    error,
    steps: records,
    durationMs: Date.now() - started,
    grants: [...BASE_GRANTS, ...state.grants],
    engineNote: judgement.engineNote,
  };
}

// Not a verdict on the engine: it has no such operation. The steps taken before that are kept for the reader.
function notApplicable(experiment: Experiment, why: string, steps: StepRecord[], started: number): ExperimentResult {
  return {
    slug: experiment.slug,
    verdict: 'not applicable',
    observed: why.replace(/\.$/, ''),
    differences: [],
    steps,
    durationMs: Date.now() - started,
    grants: [],
    engineNote: why,
  };
}
