import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../src/model/experiment.js';
import type { RunResult } from '../src/model/result.js';
import { replay } from '../test/replay.js';
import { BRIEF_MAX } from './brief-kit.js';
import { allFailed, byId, firstFailed } from './failed-steps.test.kit.js';
import { EXPERIMENTS } from './index.js';

/** Every recorded run of test/observations/ (rootless ones too), as a run of today's experiments would record it. */
const OBSERVED = readdirSync(new URL('../test/observations/', import.meta.url))
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f.replace(/\.json$/, ''), run: JSON.parse(readFileSync(new URL(`../test/observations/${f}`, import.meta.url), 'utf8')) as RunResult }));

/**
 * Experiments whose recorded runs say different phrases under one brief, each with why one brief is right: the phrases
 * differ in something the matrix's row does not ask, and the full phrase stays below the grid.
 */
const SAME_BRIEF: Record<string, string> = {
  'sysctl-flag': 'the phrases differ only in who refused kernel.sysrq (runc, crun, Podman, the kubelet): one outcome',
  'sysctl-ipc-host-refused': "the phrases differ only in who refused the sysctl in the host's IPC namespace: one outcome",
  'pod-sysctl': 'the phrases differ only in which runtime refused kernel.sysrq without admission (runc, crun)',
  'ipc-host': "rootless Podman differs only in the host uid that owns the kept segment (its user's, not root)",
  'pg-dev-shm': "the fix tried for /dev/shm is the family's own (--shm-size, an emptyDir); each let the query finish",
};

/** Lower-case words, errno names (EINVAL), signals (SIGBUS), and the names SysV and POSIX. */
const BRIEF_WORDS = /^(?:(?:SysV|POSIX|E[A-Z0-9]+|SIG[A-Z]+|[a-z0-9/,-]+)(?: |$))+$/;

describe.each(EXPERIMENTS.map((e) => [e.slug, e] as const))('%s: brief', (slug, experiment) => {
  // Every recorded run that observed something (a `not applicable` one took no step of its own).
  const runs = OBSERVED.flatMap(({ name, run }) =>
    run.experiments
      .filter((r) => r.slug === slug && r.verdict !== 'not applicable')
      .map((r) => {
        const steps = byId(replay(experiment, r.steps, run.environment.kind));
        return { name, observed: experiment.observe(steps), brief: experiment.brief?.(steps) };
      }),
  );

  it('says the outcome of every recorded run in at most 12 characters', () => {
    expect(experiment.brief, 'it has a brief').toBeTypeOf('function');
    for (const { name, brief } of runs) {
      expect(brief, name).toBeTypeOf('string');
      expect(brief!.length, `${name}: ${brief}`).toBeLessThanOrEqual(BRIEF_MAX);
      expect(brief, name).toMatch(BRIEF_WORDS);
    }
  });

  it('tells apart recorded runs that did different things, or the allow-list says why not', () => {
    const clashes = runs.flatMap((a, i) =>
      runs
        .slice(i + 1)
        .filter((b) => a.observed !== b.observed && a.brief === b.brief)
        .map((b) => `${a.name} and ${b.name}: ${a.brief}`),
    );
    // An entry of the allow-list that no two runs need is stale: the brief tells them apart now, or they agree.
    if (slug in SAME_BRIEF) expect(clashes.length, SAME_BRIEF[slug]).toBeGreaterThan(0);
    else expect(clashes).toEqual([]);
  });

  it.each([
    ['every step failed by the engine', allFailed(experiment), ['engine error']],
    ['the first step failed, no other ran', firstFailed(experiment), ['engine error', 'not run']],
    ['no step ran', new Map<string, StepRecord>(), ['not run']],
  ] as const)('claims nothing when %s', (_how, steps, words) => {
    expect(words).toContain(experiment.brief?.(steps));
  });
});
