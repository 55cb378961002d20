// The rootless set-ups' own expectations must be able to fail too: each experiment is judged on what a rootless
// Docker 20.10 and a rootless Podman did (test/observations/), then on those observations altered as an engine that
// behaved otherwise would show them; and judged without the set-up, to show that its expectations are what pass it.
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
  'rootless-docker-20.10': read('docker-20.10-rootless.json'),
  rootless: read('podman-4.3-rootless.json'),
};
const stepsOf = (run: RunResult, slug: string) => {
  const experiment = EXPERIMENTS.find((e) => e.slug === slug)!;
  return replay(experiment, run.experiments.find((r) => r.slug === slug)!.steps, run.environment.kind);
};
const byId = (steps: readonly StepRecord[]) => new Map(steps.map((s) => [s.id, s]));
const gone = { exitCode: 10, stdout: '', stderr: 'sysv-read: shmget: ENOENT (No such file or directory)\n' };

/** How a rootless engine could behave otherwise, where its set-up has expectations of its own. */
const OTHERWISE: Record<SetUpName, Record<string, { story: string; steps: Record<string, Partial<StepRecord>> }>> = {
  'rootless-docker-20.10': {
    'ipc-host': {
      story: "the engine starts the container in the host's IPC namespace",
      steps: { run: { engineFailed: false, refused: undefined, exitCode: 0, stderr: '' } },
    },
  },
  rootless: {
    'ipc-host': {
      story: "the host sees the segment owned by its root, as if the engine's root were the host's",
      steps: { 'host-owner': { stdout: 'key=1562902529 shmid=5 perms=600 nattch=0 uid=0 gid=0 cuid=0 cgid=0\n' } },
    },
  },
};

describe.each(Object.entries(RUNS) as [SetUpName, RunResult][])('on %s', (setUp, run) => {
  it('is the set-up its report names', () => {
    expect(setUpOf(run.environment)).toBe(setUp);
  });

  const judged = EXPERIMENTS.filter((e) => run.experiments.some((r) => r.slug === e.slug && r.verdict !== 'not applicable'));
  it.each(judged.map((e) => [e.slug, e] as const))('%s is judged "as expected" on what the engine did', (slug, experiment) => {
    expect(judge(experiment, stepsOf(run, slug), familyOf(run.environment.kind), setUp).verdict).toBe('as expected');
  });

  const own = EXPERIMENTS.filter((e) => e.expectOn?.[setUp]);
  it.each(own.map((e) => [e.slug, e] as const))('%s has a counterfactual for its own expectations', (slug) => {
    expect(OTHERWISE[setUp][slug], `declare how a ${setUp} engine could behave otherwise for ${slug}`).toBeDefined();
  });

  it.each(own.map((e) => [e.slug, e] as const))('%s is judged "differs" when the engine behaves otherwise, and without the set-up', (slug, experiment) => {
    const steps = stepsOf(run, slug);
    const altered = steps.map((s) => ({ ...s, ...OTHERWISE[setUp][slug]?.steps[s.id] }));
    expect(judge(experiment, altered, familyOf(run.environment.kind), setUp).verdict).toBe('differs');
    // The family's expectations alone do not pass what this set-up did.
    expect(judge(experiment, steps, familyOf(run.environment.kind)).verdict).not.toBe('as expected');
  });
});

describe('ipc-host on the rootless engines', () => {
  it("quotes rootless Docker 20.10's refusal, naming runc and the kernel", () => {
    expect(EXPERIMENTS.find((e) => e.slug === 'ipc-host')!.observe(byId(stepsOf(RUNS['rootless-docker-20.10'], 'ipc-host')))).toBe(
      '--ipc=host refused by runc (the kernel refused its mount)',
    );
  });

  it("says the host's owner of rootless Podman's segment, and that another host user could not remove it", () => {
    expect(EXPERIMENTS.find((e) => e.slug === 'ipc-host')!.observe(byId(stepsOf(RUNS.rootless, 'ipc-host')))).toMatch(
      /; host owner uid [1-9]\d*; another host user's ipcrm: permission denied$/,
    );
  });

  it('says what the engine did instead when a rootless Docker 20.10 started the container, or a segment was lost', () => {
    const experiment = EXPERIMENTS.find((e) => e.slug === 'ipc-host')!;
    const accepted = stepsOf(RUNS['rootless-docker-20.10'], 'ipc-host').map((s) =>
      s.id === 'run' ? { ...s, engineFailed: false, refused: undefined, exitCode: 0, stderr: '' } : s,
    );
    expect(experiment.whenDiffers?.(byId(accepted))).toMatch(/The engine started the container in the host's IPC namespace/);
    const lost = stepsOf(RUNS.rootless, 'ipc-host').map((s) => (s.id === 'read-after-restart' ? { ...s, ...gone } : s));
    expect(experiment.whenDiffers?.(byId(lost))).toMatch(/The host saw the segment owned by uid [1-9]\d*, not by the host's root/);
  });
});
