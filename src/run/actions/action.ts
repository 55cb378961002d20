// One kind of step, in one file: what it creates, how it is carried out and named in the transcript. The step runner
// loops over the table (index.ts); adding an action is one file here and its line in the table.
import type { Step } from '../../model/experiment.js';
import type { ExperimentState, Observation } from './experiment-state.js';

/** What an action gets: the step (of its kind), the experiment's state, and how to name the step's command. */
export interface ActionCall<S extends Step = Step> {
  step: S;
  state: ExperimentState;
  /** Sets the step's command for the transcript (the driver's CLI equivalent, known once the action has it). */
  setCommand: (command: string) => void;
  /** Names the step by the driver's command for it (on the step's container). */
  describe: (cmd?: string[]) => void;
  /** The handle of the step's container. */
  handle: () => string;
}

export interface Action<S extends Step = Step> {
  /**
   * It creates something the engine keeps (a container, an image): waited for after a signal (within the time left),
   * so that cleanup knows what it made. Everything else ends at once on a signal.
   */
  creates?: true;
  perform(call: ActionCall<S>): Promise<Observation>;
  /** The step in words before the driver names it (a failure before that keeps this one). */
  placeholder?(step: S, state: ExperimentState): string;
}

/** The step of an action (`StepOf<'exec'>` has `cmd`). */
export type StepOf<A extends Step['do']> = Step & { do: A };
