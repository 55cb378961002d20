// What `npm run bench` counts as asked of the engine: steps one exec ran are that one exec; steps not taken, shmlab's
// own cleanup on the host and admission's refusals are no call.
import { describe, expect, it } from 'vitest';
import { busyCpuMs, engineCalls } from '../scripts/engine-work.js';
import type { ExperimentResult } from '../src/model/result.js';
import { record, runResult } from './records.js';

const experiment = (steps: ExperimentResult['steps']): ExperimentResult => ({
  slug: 'x',
  verdict: 'as expected',
  observed: '',
  differences: [],
  steps,
  durationMs: 1,
  grants: [],
});

describe('engineCalls', () => {
  it('counts one exec for the steps it ran, and each step apart where none shared', () => {
    const one = 'docker exec app run-steps a ; b';
    const run = runResult([
      experiment([
        record('run', { action: 'run' }),
        record('a', { sharedExec: one }),
        record('b', { sharedExec: one }),
        record('stop', { action: 'stop' }),
        record('a2', { sharedExec: one }),
        record('c'),
        record('d'),
        record('diff', { action: 'diff', skipped: 'no diff here' }),
        record('restore', { action: 'cleanup' }),
        record('run-refused', { action: 'run', admission: true, engineFailed: true, refused: true }),
      ]),
    ]);
    expect(engineCalls(run)).toEqual({ run: 1, exec: 4, execSteps: 5, stop: 1 });
  });
});

describe('busyCpuMs', () => {
  it('grows while this process works', () => {
    const before = busyCpuMs();
    const until = Date.now() + 300;
    while (Date.now() < until);
    expect(busyCpuMs()).toBeGreaterThan(before);
  });
});
