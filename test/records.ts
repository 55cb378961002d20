// Builders for step records in unit tests.
import type { StepRecord } from '../src/model/experiment.js';
import type { ExperimentResult, RunResult } from '../src/model/result.js';

export function record(id: string, fields: Partial<StepRecord> = {}): StepRecord {
  return {
    id,
    action: 'exec',
    container: 'app',
    command: `docker exec app ${id}`,
    exitCode: 0,
    stdout: '',
    stderr: '',
    durationMs: 5,
    engineFailed: false,
    startedAt: '2026-01-01T00:00:00.000Z',
    ...fields,
  };
}

export function runResult(experiments: ExperimentResult[], extra: Partial<RunResult> = {}): RunResult {
  return {
    format: 1,
    runId: 'test',
    environment: {
      kind: 'docker',
      address: 'unix:///var/run/docker.sock',
      serverVersion: '99.0',
      apiVersion: '1.99',
      operatingSystem: 'Test OS',
      kernel: '6.0',
      storageDriver: 'overlay2',
      cgroupVersion: '2',
      runtime: 'runc 1.0',
      harnessVersion: '0.0.0',
      date: '2026-01-01T00:00:00.000Z',
    },
    privilege: { mode: 'not needed' },
    experiments,
    durationMs: 1234,
    ...extra,
  };
}
