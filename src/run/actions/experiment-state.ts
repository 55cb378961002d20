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
  readonly grants = new Set<string>();
  /** What puts the host back as it was (host sysctls changed by a step), run at the experiment's end on every path. */
  readonly restores: (() => Record<string, string> | undefined)[] = [];
  private runs = 0;
  hostKey?: number;

  constructor(
    readonly experiment: Experiment,
    readonly ctx: LabContext,
    readonly resources: ResourceTracker,
  ) {}

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
