// After unpause, start and pause, the driver returns only once the engine itself reports the state the next step
// needs (Docker 26.1 answered an unpause before its state said so, and the next exec was refused: "is paused").
// Readiness only: the engine is asked for the state until it holds; no step's observation is ever asked again.
import type { ContainerRuntimeClient } from 'testcontainers';
import { describe, expect, it } from 'vitest';
import { NOT_HUNG_MS } from '../../test/not-hung.js';
import { EngineDriver, EngineTimeoutError } from './docker-api.js';

type State = { Status: string; Running: boolean; Paused: boolean };

/** A stand-in whose container reports `states` one inspect after another (the last one for ever after). */
function engineReporting(states: State[]) {
  const calls: string[] = [];
  const container = {
    unpause: async () => calls.push('unpause'),
    pause: async () => calls.push('pause'),
    inspect: async () => {
      calls.push('inspect');
      const state = states.length > 1 ? states.shift()! : states[0]!;
      return { State: { ...state, ExitCode: 0 } };
    },
  };
  const client = {
    container: {
      dockerode: { modem: {} },
      getById: () => container,
      start: async () => calls.push('start'),
    },
  } as unknown as ContainerRuntimeClient;
  return { client, calls };
}

const paused: State = { Status: 'paused', Running: true, Paused: true };
const running: State = { Status: 'running', Running: true, Paused: false };
const created: State = { Status: 'created', Running: false, Paused: false };
const exited: State = { Status: 'exited', Running: false, Paused: false };

describe('the state the next step needs', () => {
  it('unpause returns only once the engine reports the container no longer paused', async () => {
    const { client, calls } = engineReporting([paused, paused, running]);
    await new EngineDriver(client).unpause('abc');
    expect(calls).toEqual(['unpause', 'inspect', 'inspect', 'inspect']);
  });

  it('start returns once the engine reports the container running, or already exited again', async () => {
    const first = engineReporting([created, running]);
    await new EngineDriver(first.client).start('abc');
    expect(first.calls).toEqual(['start', 'inspect', 'inspect']);
    const gone = engineReporting([exited]);
    await new EngineDriver(gone.client).start('abc');
    expect(gone.calls).toEqual(['start', 'inspect']);
  });

  it('pause returns once the engine reports the container paused', async () => {
    const { client, calls } = engineReporting([running, paused]);
    await new EngineDriver(client).pause('abc');
    expect(calls).toEqual(['pause', 'inspect', 'inspect']);
  });

  it('an engine that never reports it is a failure at the deadline, with the state it reported', async () => {
    const { client, calls } = engineReporting([paused]);
    const started = Date.now();
    await expect(new EngineDriver(client, 300).unpause('abc')).rejects.toThrow(
      new EngineTimeoutError('the engine did not report the container unpaused within 0.3 s (its state: paused)'),
    );
    expect(Date.now() - started).toBeLessThan(NOT_HUNG_MS);
    expect(calls.filter((c) => c === 'unpause')).toHaveLength(1);
  });

  it('a signal ends the wait at once', async () => {
    const { client } = engineReporting([paused]);
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGTERM'), 100);
    const started = Date.now();
    await expect(new EngineDriver(client, 60_000, controller.signal).unpause('abc')).rejects.toThrow(
      /^interrupted \(SIGTERM\) while waiting for the engine( \(inspect\)| to report the container unpaused)$/,
    );
    expect(Date.now() - started).toBeLessThan(NOT_HUNG_MS);
  });
});
