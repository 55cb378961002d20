// The rootless set-ups' own expectations must be able to fail too: each experiment is judged on what a rootless
// Docker and a rootless Podman did (test/observations/), then on those observations altered as an engine that behaved
// otherwise would show them; and judged without the set-up, to show that the set-up's expectations are what pass it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../src/model/experiment.js';
import { familyOf, type SetUpName, setUpOf } from '../src/model/family.js';
import type { RunResult } from '../src/model/result.js';
import { judge } from '../src/verdict/judge.js';
import { replay } from '../test/replay.js';
import { EXPERIMENTS } from './index.js';

const read = (file: string): RunResult => JSON.parse(readFileSync(new URL(`../test/observations/${file}`, import.meta.url), 'utf8'));
const RUNS: Record<SetUpName, RunResult> = {
  'rootless-docker': read('docker-20.10-rootless.json'),
  'rootless-podman': read('podman-4.3-rootless.json'),
};

// Where a rootless Docker started the container in the host's IPC namespace after all.
const accepted: Partial<StepRecord> = { engineFailed: false, refused: undefined, exitCode: 0, stderr: '' };

/** How a rootless engine could behave otherwise, where its set-up has expectations of its own. */
const OTHERWISE: Record<SetUpName, Record<string, { story: string; steps: Record<string, Partial<StepRecord>> }>> = {
  'rootless-docker': {
    'ipc-host': { story: "the engine starts the container in the host's IPC namespace", steps: { run: accepted } },
    'host-sysctl-not-inherited': { story: "the engine starts the container in the host's IPC namespace", steps: { 'run-host': accepted } },
  },
  'rootless-podman': {
    'ipc-host': {
      story: "the host's segment is gone after the restart",
      steps: { 'read-after-restart': { exitCode: 10, stdout: '', stderr: 'sysv-read: shmget: ENOENT (No such file or directory)\n' } },
    },
  },
};

describe.each(Object.entries(RUNS) as [SetUpName, RunResult][])('on %s', (setUp, run) => {
  it('is the set-up its report names', () => {
    expect(setUpOf(run.environment)).toBe(setUp);
  });

  const judged = EXPERIMENTS.filter((e) => run.experiments.some((r) => r.slug === e.slug && r.verdict !== 'not applicable'));
  it.each(judged.map((e) => [e.slug, e] as const))('%s is judged "as expected" on what the engine did', (slug, experiment) => {
    const result = run.experiments.find((r) => r.slug === slug)!;
    const steps = replay(experiment, result.steps, run.environment.kind, setUp);
    expect(judge(experiment, steps, familyOf(run.environment.kind), setUp).verdict).toBe('as expected');
  });

  const own = EXPERIMENTS.filter((e) => e.expectOn?.[setUp]);
  it.each(own.map((e) => [e.slug, e] as const))('%s has a counterfactual for its own expectations', (slug) => {
    expect(OTHERWISE[setUp][slug], `declare how a ${setUp} engine could behave otherwise for ${slug}`).toBeDefined();
  });

  it.each(own.map((e) => [e.slug, e] as const))('%s is judged "differs" when the engine behaves otherwise, or without the set-up', (slug, experiment) => {
    const result = run.experiments.find((r) => r.slug === slug)!;
    const steps = replay(experiment, result.steps, run.environment.kind, setUp);
    const altered = steps.map((s) => ({ ...s, ...OTHERWISE[setUp][slug]?.steps[s.id] }));
    expect(judge(experiment, altered, familyOf(run.environment.kind), setUp).verdict).toBe('differs');
    // Where the set-up replaces expectations, the family's alone do not pass what it did.
    const replaces = experiment.expectOn?.[setUp]?.expect.length || experiment.expectOn?.[setUp]?.drop?.length;
    if (replaces) expect(judge(experiment, steps, familyOf(run.environment.kind)).verdict).not.toBe('as expected');
  });
});

describe('rootless Docker refusing the host IPC namespace', () => {
  const run = RUNS['rootless-docker'];
  it.each(['ipc-host', 'host-sysctl-not-inherited'])("%s quotes the kernel's refusal, naming runc and the mqueue mount", (slug) => {
    const experiment = EXPERIMENTS.find((e) => e.slug === slug)!;
    const result = run.experiments.find((r) => r.slug === slug)!;
    const steps = new Map(replay(experiment, result.steps, 'docker', 'rootless-docker').map((s) => [s.id, s]));
    expect(experiment.observe(steps)).toMatch(/--ipc=host refused by runc \(the kernel refused its mount\)/);
  });

  it('says what the engine did instead when it started the container', () => {
    const experiment = EXPERIMENTS.find((e) => e.slug === 'ipc-host')!;
    const result = run.experiments.find((r) => r.slug === 'ipc-host')!;
    const steps = replay(experiment, result.steps, 'docker', 'rootless-docker').map((s) => ({ ...s, ...(s.id === 'run' ? accepted : {}) }));
    expect(experiment.whenDiffers?.(new Map(steps.map((s) => [s.id, s])))).toMatch(
      /started the container in the host's IPC namespace; the steps that would use it were not taken/,
    );
  });
});
