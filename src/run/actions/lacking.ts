// An operation the engine lacks: evidence steps are skipped, any other makes the experiment not applicable, with the
// family's reason.
import type { Step } from '../../model/experiment.js';
import { type Capability, FAMILIES } from '../../model/family.js';
import { type ExperimentState, NotApplicableError, type Observation } from './experiment-state.js';

export function lacking(step: Step, s: ExperimentState, capability: Capability): Observation {
  const answer = FAMILIES[s.ctx.family].capabilities[capability];
  // The family may have it and this engine lack it here (rootless without cgroups), in its own words.
  const why = answer !== true ? answer : (s.ctx.driver.lacks?.(capability) ?? `this engine has no ${step.do} operation`);
  if (step.evidence) return { skipped: `${why}; evidence only, the experiment goes on` };
  throw new NotApplicableError(`${why}, which step ${step.id} needs`);
}
