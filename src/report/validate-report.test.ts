// The report format's JSON Schema matches what shmlab writes and reads: every committed report and fixture follows
// it, a report with every optional field set follows it (so the schema names every field of result.ts), and broken
// reports are refused with one clause naming the field by its JSON pointer.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { record, runResult } from '../../test/records.js';
import type { StepRecord } from '../model/experiment.js';
import type { EngineEnvironment, ExperimentResult, PrivilegeMode, RunResult } from '../model/result.js';
import { ROOT } from '../paths.js';
import { isReport, REPORT_SCHEMA_PATH, reportProblem } from './validate-report.js';

const jsonFiles = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(dir, f));
const load = (path: string): RunResult => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x));

// Every field of every type, optional ones included: were one missing from the schema, the strict reading refuses it.
const everyStepField: Required<StepRecord> = {
  ...record('read'),
  why: 'why',
  refused: false,
  admission: true,
  state: 'running',
  skipped: 'not on this engine',
  sharedExec: 'docker exec app run-steps sysv-write ; sysv-read',
  exitCode: null,
};
const everyResultField: Required<ExperimentResult> = {
  slug: 'sysv-restart',
  verdict: 'differs',
  observed: 'kept',
  brief: 'kept',
  differences: [{ step: 'read', means: 'gone', detail: 'exit code: expected 10, got 0' }],
  error: 'none',
  steps: [everyStepField],
  durationMs: 5,
  grants: ['no network'],
  engineNote: 'note',
  instead: 'the engine kept it',
};
const everyEnvironmentField: Required<EngineEnvironment> = {
  ...runResult([]).environment,
  kind: 'cri',
  runtimeName: 'containerd',
  details: ['Runtime handler: runc'],
  ociRuntime: { name: 'runsc', version: '20221219.0', args: ['--platform=ptrace'] },
  containerKernel: '4.4.0',
  rootless: true,
  workarounds: ['none'],
};
const everyPrivilegeField: Required<PrivilegeMode> = { mode: 'equivalent', reason: 'unable to apply caps' };
const everyRunField: Required<RunResult> = {
  ...runResult([everyResultField, { ...everyResultField, slug: 'x', verdict: 'not applicable' }]),
  environment: everyEnvironmentField,
  privilege: everyPrivilegeField,
  leftovers: ['container shmlab-x'],
  incomplete: 'interrupted (SIGINT) after 1 of 2 experiments',
};

describe('the report schema', () => {
  it('is draft-07 JSON Schema for format 1, in schema/', () => {
    const schema = JSON.parse(readFileSync(REPORT_SCHEMA_PATH, 'utf8'));
    expect(REPORT_SCHEMA_PATH).toBe(join(ROOT, 'schema', 'report-v1.schema.json'));
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.properties.format).toMatchObject({ const: 1 });
  });

  it.each([...jsonFiles('reports'), ...jsonFiles('test/observations')])('%s follows it, naming no unknown field', (path) => {
    expect(reportProblem(load(path), { strict: true })).toBeUndefined();
  });

  it('accepts a report with every optional field of result.ts set', () => {
    expect(reportProblem(copy(everyRunField), { strict: true })).toBeUndefined();
    expect(reportProblem(copy(runResult([])), { strict: true })).toBeUndefined();
  });

  it('reads, but does not write, a report with a field it does not know (a later format 1 may add some)', () => {
    const later = { ...copy(everyRunField), addedLater: true };
    expect(reportProblem(later)).toBeUndefined();
    expect(reportProblem(later, { strict: true })).toBe('/addedLater is not a field of format 1');
  });

  /** The observed report with the field at `path` set to `value` (removed for undefined). */
  const changed = (path: (string | number)[], value: unknown) => () => {
    const report = load('test/observations/docker-20.10.json') as unknown as Record<string | number, unknown>;
    const parent = path.slice(0, -1).reduce((at, k) => at[k] as Record<string | number, unknown>, report);
    const last = path[path.length - 1] as string | number;
    if (value === undefined) delete parent[last];
    else parent[last] = value;
    return report;
  };
  it.each<[string, () => unknown, string]>([
    ['null', () => null, 'the top level must be an object (it is null)'],
    ['a list', () => [], 'the top level must be an object (it is a list)'],
    ['another format', changed(['format'], 2), '/format must be 1, the format this shmlab reads (it is 2)'],
    ['no format', changed(['format'], undefined), '/format is missing'],
    ['no privilege', changed(['privilege'], undefined), '/privilege is missing'],
    [
      'an unknown verdict',
      changed(['experiments', 3, 'verdict'], 'passed'),
      '/experiments/3/verdict must be one of "as expected", "differs", "error", "not applicable" (it is "passed")',
    ],
    ['a slug that is a number', changed(['experiments', 0, 'slug'], 1), '/experiments/0/slug must be a string (it is 1)'],
    ['an unknown engine kind', changed(['environment', 'kind'], 'lxc'), '/environment/kind must be one of "docker", "podman", "cri" (it is "lxc")'],
    ['a step without its exit code', changed(['experiments', 1, 'steps', 2, 'exitCode'], undefined), '/experiments/1/steps/2/exitCode is missing'],
    [
      'an exit code that is a string',
      changed(['experiments', 1, 'steps', 2, 'exitCode'], '0'),
      '/experiments/1/steps/2/exitCode must be a whole number or null (it is the string "0")',
    ],
    [
      'an unknown step action',
      changed(['experiments', 0, 'steps', 0, 'action'], 'reboot'),
      '/experiments/0/steps/0/action must be one of "run", "exec", "await", "commit", "host-sysctls", "host-segment", "stop", "start", "kill", "pause", "unpause", "remove", "diff", "inspect", "logs", "kill-sandbox", "recreate-sandbox", "restart-runtime", "cleanup" (it is "reboot")',
    ],
    ['a date that is no date', changed(['environment', 'date'], 'yesterday'), '/environment/date must be an ISO 8601 date (it is "yesterday")'],
    ['a negative duration', changed(['durationMs'], -1), '/durationMs must be at least 0 (it is -1)'],
    ['an ociRuntime without a name', changed(['environment', 'ociRuntime'], { version: '1' }), '/environment/ociRuntime/name is missing'],
    ['leftovers that are no list', changed(['leftovers'], 'x'), '/leftovers must be a list (it is the string "x")'],
    [
      'an unknown privilege mode',
      changed(['privilege', 'mode'], 'root'),
      '/privilege/mode must be one of "privileged", "equivalent", "not needed", "unknown" (it is "root")',
    ],
  ])('refuses %s, naming the field', (_, data, problem) => {
    expect(reportProblem(copy(data()))).toBe(problem);
    expect(isReport(copy(data()))).toBe(false);
  });
});
