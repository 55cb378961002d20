// Recorded observations (test/observations/) replayed as a run of today's experiment would record them: a step the
// experiment now skips on that engine is a skipped record, and a step it no longer has is dropped. Refreshing the
// observations from a new report makes this a no-op.
import type { EngineKind, Experiment, StepRecord } from '../src/model/experiment.js';
import { familyOf } from '../src/model/family.js';

export function replay(experiment: Experiment, steps: readonly StepRecord[], kind: EngineKind): StepRecord[] {
  const byId = new Map(experiment.steps.map((s) => [s.id, s]));
  return steps.flatMap((r) => {
    const step = byId.get(r.id);
    if (!step) return [];
    const skip = step.skipOn?.[familyOf(kind)];
    return skip
      ? [
          {
            ...r,
            command: `(${step.do} ${step.container}: not taken on this engine)`,
            exitCode: null,
            stdout: '',
            stderr: '',
            engineFailed: false,
            refused: undefined,
            skipped: skip,
          },
        ]
      : [r];
  });
}
