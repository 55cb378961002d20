import { describe, expect, it } from 'vitest';
import type { EngineDriver } from '../engine/engine-driver.js';
import type { Experiment } from '../model/experiment.js';
import type { LabContext } from './lab-context.js';
import type { LabSession } from './lab-session.js';
import type { ResourceTracker } from './resource-tracker.js';
import { ExperimentState, runStep, shellQuote } from './step-runner.js';

const experiment: Experiment = {
  slug: 'demo', title: '', section: 'A', source: '', blogSaw: '', expectedToday: '', explanation: '', observe: () => '',
  containers: { app: {} },
  steps: [{ id: 'read', do: 'exec', container: 'app', cmd: ['sysv-read', '--key', '5678'] }],
  expect: [{ step: 'read', means: 'gone', exitCode: 10 }],
};

describe('runStep', () => {
  it('observes once: an answer that differs from the expectation is recorded as it came, never asked again', async () => {
    let execs = 0;
    const driver = { exec: async () => (execs++, { exitCode: 0, stdout: 'a b c\n', stderr: '' }) } as unknown as EngineDriver;
    const ctx = { driver, session: { runId: 'r' } as LabSession } as LabContext;
    const state = new ExperimentState(experiment, ctx, {} as ResourceTracker);
    state.ids.set('app', 'abc123');
    const record = await runStep(experiment.steps[0]!, state);
    expect({ execs, exitCode: record.exitCode, stdout: record.stdout }).toEqual({ execs: 1, exitCode: 0, stdout: 'a b c\n' });
  });

  it('records an engine failure in the same shape, with the engine\'s words', async () => {
    const driver = { exec: async () => { throw Object.assign(new Error('x'), { json: { message: 'container abc is not running' } }); } } as unknown as EngineDriver;
    const state = new ExperimentState(experiment, { driver, session: { runId: 'r' } } as LabContext, {} as ResourceTracker);
    state.ids.set('app', 'abc123');
    expect(await runStep(experiment.steps[0]!, state)).toMatchObject({ engineFailed: true, exitCode: 1, stderr: 'container abc is not running', command: 'docker exec app sysv-read --key 5678' });
  });
});

describe('shellQuote', () => {
  it('quotes what a shell would split or interpret, and nothing else', () => {
    expect(['sh', '-c', 'echo 1 > /proc/sys/kernel/shmmax', "it's", '--key', '5678'].map(shellQuote).join(' ')).toBe(
      `sh -c 'echo 1 > /proc/sys/kernel/shmmax' 'it'\\''s' --key 5678`,
    );
  });
});
