// The state of one experiment while its steps run: its containers, how often each was started, what it committed,
// what it was granted, and what puts the host back at its end.

import type { LabContext } from '../../lab/lab-context.js';
import type { ResourceTracker } from '../../lab/resource-tracker.js';
import type { ContainerSpec, ContainerState, Experiment } from '../../model/experiment.js';

/** The engine has no such operation (Kubernetes has no pause or commit): the experiment does not apply there. */
export class NotApplicableError extends Error {}

export class ExperimentState {
  readonly ids = new Map<string, string>();
  readonly starts = new Map<string, number>();
  readonly committed = new Map<string, { id: string; tag: string }>();
  /** What was granted, each with the containers it was granted to (none: the experiment as a whole). */
  private readonly granted = new Map<string, string[]>();
  /** What puts the host back as it was (host sysctls changed by a step), run at the experiment's end on every path. */
  readonly restores: (() => Record<string, string> | undefined)[] = [];
  private runs = 0;
  hostKey?: number;
  /** Consecutive exec steps may run in one exec (run-steps): not where the lab says each is its own, nor once run-steps could not begin. */
  shareExecs: boolean;

  constructor(
    readonly experiment: Experiment,
    readonly ctx: LabContext,
    readonly resources: ResourceTracker,
  ) {
    this.shareExecs = !ctx.execsAlone;
  }

  /** Records a grant, to `container` where it is one container's. */
  grant(what: string, container?: string): void {
    const to = this.granted.get(what) ?? [];
    if (container && !to.includes(container)) to.push(container);
    this.granted.set(what, to);
  }

  /** The grants as the report lists them: where the experiment has several containers, each says whose it is. */
  get grants(): string[] {
    const several = Object.keys(this.experiment.containers).length > 1;
    return [...this.granted].map(([what, to]) => (several && to.length ? `${what} [${to.join(', ')}]` : what));
  }

  name(container: string): string {
    return `shmlab-${this.ctx.session.runId}-${this.experiment.slug}-${container}-${++this.runs}`;
  }

  volume(name: string): string {
    return `shmlab-${this.ctx.session.runId}-${this.experiment.slug}-${name}`;
  }

  id(container: string): string {
    const id = this.ids.get(container);
    if (!id) throw new Error(`experiment ${this.experiment.slug}: container ${container} is used before it is run`);
    return id;
  }

  spec(container: string): ContainerSpec {
    const spec = this.experiment.containers[container];
    if (!spec) throw new Error(`experiment ${this.experiment.slug}: no container named ${container}`);
    return spec;
  }
}

/** What a step saw, before it is a record. */
export interface Observation {
  exitCode?: number | null;
  stdout?: string;
  stderr?: string;
  state?: ContainerState;
  skipped?: string;
}
