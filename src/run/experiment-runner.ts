// Runs one experiment's steps in order, cleans up after it on every path, and judges what it saw.

import { engineWords } from '../engine/engine-words.js';
import { shellQuote } from '../engine/shell-quote.js';
import type { LabContext } from '../lab/lab-context.js';
import type { Experiment, Step, StepRecord } from '../model/experiment.js';
import { lacking as lackingFor } from '../model/family.js';
import type { ExperimentResult } from '../model/result.js';
import { judge } from '../verdict/judge.js';
import { runShared, sharedRun } from './shared-exec.js';
import { ExperimentState, NotApplicableError, runStep } from './step-runner.js';

// Said of every container; the network each driver gives its containers is among the driver's own grants.
const BASE_GRANTS = ["runs as uid 0 (root), with the engine's default capabilities unless granted more below"];

export async function runExperiment(experiment: Experiment, ctx: LabContext): Promise<ExperimentResult> {
  const started = Date.now();
  const missing = lackingFor(ctx.family, experiment.requires) ?? experiment.requires?.map((need) => ctx.driver.lacks?.(need)).find(Boolean);
  if (missing) return notApplicable(experiment, missing, [], started);
  if (experiment.changesHost && ctx.noHostChanges)
    return notApplicable(experiment, "left out: --no-host-changes (it changes the host's kernel parameters for a moment)", [], started);
  const state = new ExperimentState(experiment, ctx, ctx.session.resources.child());
  const panicMark = ctx.panics?.mark();
  const records: StepRecord[] = [];
  // Every container the experiment made, removed ones too: a panic is this experiment's only if its sandbox was one of them.
  const containers = new Set<string>();
  let harnessError: string | undefined;
  let lacking: string | undefined;
  // Containers whose run the engine refused (as the step allowed), by the refusing step: until the container runs
  // again, a step on it has nothing to act on, and is not taken. The refusal is judged on its own step.
  const refusedRuns = new Map<string, string>();
  try {
    const skipFor = (step: Step) => {
      const refusedBy = step.do === 'run' ? undefined : refusedRuns.get(step.container);
      return step.skipOn?.[ctx.family] ?? (refusedBy && `the engine refused its container ${step.container} (step ${refusedBy})`);
    };
    // A step that one exec shared with those before it could not start alone gets the engine's own answer, alone.
    let alone = -1;
    for (let i = 0; i < experiment.steps.length; ) {
      if (ctx.signal.aborted) break;
      const step = experiment.steps[i]!;
      const skip = skipFor(step);
      const shared = skip || i === alone || !state.shareExecs ? [] : sharedRun(experiment.steps, i, (s) => !skipFor(s));
      const taken = shared.length ? await runShared(shared, state) : [skip ? skipped(step, skip) : await runStep(step, state)];
      if (shared.length && taken.length < shared.length && !taken.at(-1)?.engineFailed) alone = i + taken.length;
      i += taken.length;
      const record = taken.at(-1);
      if (record && step.do === 'run') {
        if (record.refused) refusedRuns.set(step.container, step.id);
        else refusedRuns.delete(step.container);
      }
      for (const id of state.ids.values()) containers.add(id);
      records.push(...taken);
      // Later steps build on this one: after an engine failure they would only report noise.
      if (record?.engineFailed && !record.refused) break;
    }
  } catch (err) {
    if (err instanceof NotApplicableError) lacking = err.message;
    else harnessError = `harness error: ${(err as Error).stack ?? err}`;
  } finally {
    const problems: string[] = [];
    // What shmlab puts back on the host is in the transcript too, as what it did after the steps.
    for (const restore of state.restores.splice(0)) {
      const started = Date.now();
      try {
        const put = restore();
        if (put)
          records.push(
            afterward(
              'restore-host-sysctls',
              hostSysctlsCommand(put),
              Object.entries(put)
                .map(([k, v]) => `${k} = ${v}\n`)
                .join(''),
              '',
              started,
            ),
          );
      } catch (err) {
        problems.push(`restoring the host's sysctls: ${(err as Error).message}`);
        records.push(afterward('restore-host-sysctls', 'sysctl -w …    # on the host, by shmlab: the values it changed', '', (err as Error).message, started));
      }
    }
    if (state.hostKey !== undefined) {
      const key = state.hostKey;
      const started = Date.now();
      const command = `ipcrm -M 0x${key.toString(16)}    # by shmlab, in the host's IPC namespace (a helper container with --ipc=host): the segment this experiment made there`;
      try {
        await ctx.removeHostKeys([key]);
        state.resources.forgetHostKey(key);
        records.push(afterward('remove-host-segment', command, `removed the host's segment 0x${key.toString(16)}\n`, '', started));
      } catch (err) {
        records.push(afterward('remove-host-segment', command, '', engineWords(err), started));
      }
    }
    problems.push(...(await state.resources.cleanup(ctx.removeHostKeys)));
    if (problems.length) {
      ctx.leftovers.push(...problems.map((p) => `${experiment.slug}: ${p}`));
      harnessError = [harnessError, `cleanup: ${problems.join('; ')}`].filter(Boolean).join('\n');
    }
  }
  if (lacking && !harnessError) return notApplicable(experiment, lacking, records, started);
  const judgement = judge(experiment, records, ctx.family, ctx.setUp);
  // What shmlab did after the steps (cleanup records) is no step taken.
  const taken = records.filter((r) => r.action !== 'cleanup').length;
  const interrupted = ctx.signal.aborted && (taken < experiment.steps.length || records.some((r) => r.stderr.startsWith('interrupted (')));
  const byId = new Map(records.map((r) => [r.id, r]));
  // A step the engine failed while the sandbox of one of this experiment's containers panicked: the crash, not the
  // behaviour under test, ended it. Other experiments' sandboxes have logs of their own.
  const panic = judgement.error && panicMark !== undefined ? ctx.panics?.since(panicMark, containers) : undefined;
  const crashed = panic
    ? `${judgement.error}\nthe sandbox of this experiment's container panicked (the runtime's panic log, ${panic.path}): ${panic.line}`
    : undefined;
  ctx.panics?.forget(containers);
  const error = interrupted ? `interrupted before step ${experiment.steps[taken]?.id}` : (harnessError ?? crashed ?? judgement.error);
  const verdict = error && !(judgement.verdict === 'differs' && !harnessError && !interrupted && !crashed) ? 'error' : judgement.verdict;
  const instead = verdict === 'differs' ? experiment.whenDiffers?.(byId) : undefined;
  return {
    slug: experiment.slug,
    verdict,
    observed: experiment.observe(byId),
    ...(experiment.brief ? { brief: experiment.brief(byId) } : {}),
    ...(instead ? { instead } : {}),
    differences: judgement.differences,
    error,
    steps: records,
    durationMs: Date.now() - started,
    grants: [...BASE_GRANTS, ...state.grants],
    engineNote: judgement.engineNote,
  };
}

/** What shmlab did on the host after the steps (put back its sysctls, removed a segment), as a record of its own. */
function afterward(id: string, command: string, stdout: string, stderr: string, started: number): StepRecord {
  return {
    id,
    action: 'cleanup',
    container: 'host',
    command,
    exitCode: stderr ? 1 : 0,
    stdout,
    stderr,
    durationMs: Date.now() - started,
    engineFailed: Boolean(stderr),
    startedAt: new Date(started).toISOString(),
  };
}

function hostSysctlsCommand(values: Record<string, string>): string {
  return `sysctl -w ${Object.entries(values)
    .map(([k, v]) => shellQuote(`${k}=${v}`))
    .join(' ')}    # on the host, by shmlab: the values it changed, put back`;
}

// A step whose outcome on this engine would be fixed by how shmlab drives it, not observed: recorded as not taken.
function skipped(step: Step, why: string): StepRecord {
  return {
    id: step.id,
    action: step.do,
    container: step.container,
    command: `(${step.do} ${step.container}: not taken on this engine)`,
    why: step.why,
    exitCode: null,
    stdout: '',
    stderr: '',
    durationMs: 0,
    engineFailed: false,
    skipped: why,
    startedAt: new Date().toISOString(),
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
