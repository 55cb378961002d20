import { describe, expect, it } from 'vitest';
import { dockerCommand } from '../docker/docker-driver.js';
import type { LabDriver } from '../engine/lab-driver.js';
import type { LabContext } from '../lab/lab-context.js';
import type { LabSession } from '../lab/lab-session.js';
import type { ResourceTracker } from '../lab/resource-tracker.js';
import type { Experiment } from '../model/experiment.js';
import { ExperimentState, runStep, shellQuote } from './step-runner.js';

const experiment: Experiment = {
  slug: 'demo',
  title: '',
  section: 'A',
  source: '',
  blogSaw: '',
  expectedToday: '',
  explanation: '',
  observe: () => '',
  containers: { app: {} },
  steps: [{ id: 'read', do: 'exec', container: 'app', cmd: ['sysv-read', '--key', '5678'] }],
  expect: [{ step: 'read', means: 'gone', exitCode: 10 }],
};

const commandFor = (action: Parameters<typeof dockerCommand>[0], _handle: string, cmd?: string[]) => dockerCommand(action, 'app', cmd);

describe('runStep', () => {
  it('observes once: an answer that differs from the expectation is recorded as it came, never asked again', async () => {
    let execs = 0;
    const driver = { commandFor, exec: async () => (execs++, { exitCode: 0, stdout: 'a b c\n', stderr: '' }) } as unknown as LabDriver;
    const ctx = { driver, session: { runId: 'r' } as LabSession } as LabContext;
    const state = new ExperimentState(experiment, ctx, {} as ResourceTracker);
    state.ids.set('app', 'abc123');
    const record = await runStep(experiment.steps[0]!, state);
    expect({ execs, exitCode: record.exitCode, stdout: record.stdout }).toEqual({ execs: 1, exitCode: 0, stdout: 'a b c\n' });
  });

  it("records an engine failure in the same shape, with the engine's words", async () => {
    const driver = {
      commandFor,
      exec: async () => {
        throw Object.assign(new Error('x'), { json: { message: 'container abc is not running' } });
      },
    } as unknown as LabDriver;
    const state = new ExperimentState(experiment, { driver, session: { runId: 'r' } } as LabContext, {} as ResourceTracker);
    state.ids.set('app', 'abc123');
    expect(await runStep(experiment.steps[0]!, state)).toMatchObject({
      engineFailed: true,
      exitCode: 1,
      stderr: 'container abc is not running',
      command: 'docker exec app sysv-read --key 5678',
    });
  });
});

describe('a step that may be refused', () => {
  const refusable: Experiment = {
    ...experiment,
    containers: { app: { sysctls: { 'kernel.sysrq': '1' } } },
    steps: [{ id: 'run', do: 'run', container: 'app', mayBeRefused: /kernel\.sysrq/ }],
  };
  const runWith = async (failure: Error) => {
    const driver = {
      commandFor,
      run: async () => {
        throw failure;
      },
    } as unknown as LabDriver;
    const ctx = {
      driver,
      session: { runId: 'r', labels: () => ({}) },
      images: { lab: 'sha256:1' },
      imageTags: { lab: 'shmlab/lab:1' },
    } as unknown as LabContext;
    const state = new ExperimentState(refusable, ctx, { add: () => {}, volumes: new Set() } as unknown as ResourceTracker);
    return runStep(refusable.steps[0]!, state);
  };

  it('is refused when the engine answers this request with an error naming the setting', async () => {
    const refusal = Object.assign(new Error('(HTTP code 500) server error'), {
      statusCode: 500,
      json: { message: 'runc create failed: sysctl "kernel.sysrq" is not in a separate kernel namespace' },
    });
    expect(await runWith(refusal)).toMatchObject({ engineFailed: true, refused: true });
  });

  it.each([
    ['a transient engine error', Object.assign(new Error('(HTTP code 500) server error'), { statusCode: 500, json: { message: 'context deadline exceeded' } })],
    ['a lost connection', Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' })],
    ['a deadline', new Error('the engine did not answer (start a container of sha256:1) within 60 s: kernel.sysrq')],
  ])('is an engine failure, not a refusal, on %s', async (_, failure) => {
    const record = await runWith(failure);
    expect(record.engineFailed).toBe(true);
    expect(record.refused).toBeUndefined();
  });
});

describe('shellQuote', () => {
  it('quotes what a shell would split or interpret, and nothing else', () => {
    expect(['sh', '-c', 'echo 1 > /proc/sys/kernel/shmmax', "it's", '--key', '5678'].map(shellQuote).join(' ')).toBe(
      `sh -c 'echo 1 > /proc/sys/kernel/shmmax' 'it'\\''s' --key 5678`,
    );
  });
});
