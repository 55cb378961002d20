// Runs one experiment's steps in order, cleans up after it on every path, and judges what it saw.
import type { Experiment, StepRecord } from '../model/experiment.js';
import type { ExperimentResult } from '../model/result.js';
import { judge } from '../verdict/judge.js';
import type { LabContext } from './lab-context.js';
import { ExperimentState, runStep } from './step-runner.js';

export async function runExperiment(experiment: Experiment, ctx: LabContext): Promise<ExperimentResult> {
  const started = Date.now();
  const state = new ExperimentState(experiment, ctx, ctx.session.resources.child());
  const records: StepRecord[] = [];
  let harnessError: string | undefined;
  try {
    for (const step of experiment.steps) {
      if (ctx.signal.aborted) break;
      const record = await runStep(step, state);
      records.push(record);
      // Later steps build on this one: after an engine failure they would only report noise.
      if (record.engineFailed && !record.refused) break;
    }
  } catch (err) {
    harnessError = `harness error: ${(err as Error).stack ?? err}`;
  } finally {
    const problems = await state.resources.cleanup(ctx.removeHostKeys);
    if (problems.length) {
      ctx.leftovers.push(...problems.map((p) => `${experiment.slug}: ${p}`));
      harnessError = [harnessError, `cleanup: ${problems.join('; ')}`].filter(Boolean).join('\n');
    }
  }
  const judgement = judge(experiment, records, ctx.engine);
  const interrupted = ctx.signal.aborted && records.length < experiment.steps.length;
  const error = interrupted ? `interrupted before step ${experiment.steps[records.length]?.id}` : (harnessError ?? judgement.error);
  return {
    slug: experiment.slug,
    verdict: error ? 'error' : judgement.verdict,
    observed: experiment.observe(new Map(records.map((r) => [r.id, r]))),
    differences: judgement.differences,
    error,
    steps: records,
    durationMs: Date.now() - started,
    grants: ['no network (own empty namespace)', 'runs as uid 0 (root), with the engine\'s default capabilities unless granted more below', ...state.grants],
    engineNote: judgement.engineNote,
  };
}
