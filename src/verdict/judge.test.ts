import { describe, expect, it } from 'vitest';
import { record } from '../../test/records.js';
import type { Experiment } from '../model/experiment.js';
import { expectationsFor, judge } from './judge.js';

const experiment: Experiment = {
  slug: 'demo',
  title: 'demo',
  section: 'A',
  source: '',
  blogSaw: '',
  expectedToday: '',
  explanation: '',
  containers: { app: {}, other: {} },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'refusable', do: 'run', container: 'other', mayBeRefused: /sysctl/ },
    { id: 'read', do: 'exec', container: 'app', cmd: ['read'] },
  ],
  expect: [
    { step: 'read', means: 'the data is gone', exitCode: 10, stderr: /ENOENT/ },
    { step: 'refusable', means: 'the engine refuses', refused: true, stderr: /not allowed/ },
  ],
  expectOn: { cri: { why: 'a pod keeps it', expect: [{ step: 'read', means: 'the data is kept', exitCode: 0 }] } },
  observe: () => '',
};

const asExpected = [
  record('run', { action: 'run' }),
  record('refusable', { action: 'run', engineFailed: true, refused: true, exitCode: 1, stderr: 'sysctl is not allowed' }),
  record('read', { exitCode: 10, stderr: 'read: shmget: ENOENT (No such file or directory)\n' }),
];

describe('judge', () => {
  it('says "as expected" when every observation matches', () => {
    expect(judge(experiment, asExpected, 'docker-api')).toEqual({ verdict: 'as expected', differences: [], engineNote: undefined });
  });

  it('says "differs" and what differed when the data is still there', () => {
    const kept = asExpected.map((r) => (r.id === 'read' ? record('read', { exitCode: 0, stdout: 'a b c\n' }) : r));
    const j = judge(experiment, kept, 'docker-api');
    expect(j.verdict).toBe('differs');
    expect(j.differences.map((d) => d.detail)).toEqual(['exit code: expected 10, got 0', 'stderr: expected /ENOENT/, got ""']);
    expect(j.differences[0]?.means).toBe('the data is gone');
  });

  it('quotes a line a failing program printed again and again once, with how many times', () => {
    const stderr = `${'x: shmctl(IPC_STAT): EACCES (Permission denied)\n'.repeat(150)}x: gave up\n`;
    const failed = asExpected.map((r) => (r.id === 'read' ? record('read', { exitCode: 1, stderr }) : r));
    expect(judge(experiment, failed, 'docker-api').differences[0]?.detail).toBe(
      'exit code: expected 10, got 1 (x: shmctl(IPC_STAT): EACCES (Permission denied) (150 times)\nx: gave up)',
    );
  });

  it('compares output by content: a trailing newline more or less is the same value', () => {
    const exact: Experiment = { ...experiment, expect: [{ step: 'read', means: 'the value', stdout: '33554432\n' }], expectOn: undefined };
    const read = (stdout: string) =>
      judge(
        exact,
        [record('run', { action: 'run' }), record('refusable', { action: 'run', engineFailed: true, refused: true }), record('read', { stdout })],
        'docker-api',
      ).verdict;
    expect([read('33554432\n'), read('33554432'), read('33554432\n\n')]).toEqual(['as expected', 'as expected', 'as expected']);
    expect(read('18446744073692774399')).toBe('differs');
  });

  it('says "differs" when the engine accepts what it should refuse', () => {
    const accepted = asExpected.map((r) => (r.id === 'refusable' ? record('refusable', { action: 'run' }) : r));
    const j = judge(experiment, accepted, 'docker-api');
    expect(j.verdict).toBe('differs');
    expect(j.differences[0]?.detail).toBe('expected the engine to refuse it, it accepted');
  });

  it('says "error", not "as expected", when a step that may be refused fails for another reason', () => {
    const transient = asExpected.map((r) =>
      r.id === 'refusable' ? record('refusable', { action: 'run', engineFailed: true, exitCode: 1, stderr: 'context deadline exceeded' }) : r,
    );
    const j = judge(experiment, transient, 'docker-api');
    expect({ verdict: j.verdict, error: j.error }).toEqual({ verdict: 'error', error: 'refusable (docker exec app refusable): context deadline exceeded' });
  });

  it('says "error", with the engine\'s words, when an operation that may not fail fails', () => {
    const broken = [record('run', { action: 'run', engineFailed: true, exitCode: 1, stderr: 'connect ECONNREFUSED /var/run/docker.sock' })];
    const j = judge(experiment, broken, 'docker-api');
    expect(j.verdict).toBe('error');
    expect(j.error).toContain('ECONNREFUSED');
  });

  it('says "differs", keeping the differences, when a step fails after earlier steps already differed', () => {
    // As on gVisor: the engine accepts what it should refuse, and the container it started is gone by the next step.
    const then = [
      record('run', { action: 'run' }),
      record('refusable', { action: 'run' }),
      record('read', { engineFailed: true, exitCode: null, stderr: 'Container abc is not running' }),
    ];
    const j = judge(experiment, then, 'docker-api');
    expect(j.verdict).toBe('differs');
    expect(j.differences.map((d) => d.detail)).toEqual(['expected the engine to refuse it, it accepted', 'stderr: expected /not allowed/, got ""']);
    expect(j.error).toBe('after these differences, read (docker exec app read): Container abc is not running');
  });

  it('says "error" when a step fails before anything differed', () => {
    const first = [record('run', { action: 'run', engineFailed: true, exitCode: 1, stderr: 'panic: assertTaskGoroutine' })];
    expect(judge(experiment, first, 'docker-api')).toMatchObject({
      verdict: 'error',
      differences: [],
      error: 'run (docker exec app run): panic: assertTaskGoroutine',
    });
  });

  it('says "error" when an expected step never ran', () => {
    expect(judge(experiment, asExpected.slice(0, 2), 'docker-api')).toMatchObject({ verdict: 'error', error: 'step read did not run' });
  });

  it("uses an engine's own expectation where the experiment declares one", () => {
    expect(expectationsFor(experiment, 'cri').note).toBe('a pod keeps it');
    const kept = asExpected.map((r) => (r.id === 'read' ? record('read', { exitCode: 0 }) : r));
    expect(judge(experiment, kept, 'cri').verdict).toBe('as expected');
    expect(judge(experiment, asExpected, 'cri').verdict).toBe('differs');
  });

  it("applies a set-up's expectations after its family's, and only on that set-up", () => {
    const rootless: Experiment = {
      ...experiment,
      expectOn: {
        ...experiment.expectOn,
        'rootless-docker-20.10': { why: 'the kernel refuses it', expect: [{ step: 'run', means: 'refused', refused: true }], drop: ['read'] },
      },
    };
    const refused = [
      record('run', { action: 'run', engineFailed: true, refused: true, exitCode: 1, stderr: 'mqueue: operation not permitted' }),
      asExpected[1]!,
    ];
    expect(expectationsFor(rootless, 'docker-api', 'rootless-docker-20.10')).toMatchObject({ note: 'the kernel refuses it' });
    expect(expectationsFor(rootless, 'docker-api', 'rootless-docker-20.10').expect.map((e) => e.step)).toEqual(['refusable', 'run']);
    expect(judge(rootless, refused, 'docker-api', 'rootless-docker-20.10').verdict).toBe('as expected');
    expect(judge(rootless, asExpected, 'docker-api', 'rootless-docker-20.10').verdict).toBe('differs');
    expect(judge(rootless, asExpected, 'docker-api', 'rootless').verdict).toBe('as expected');
  });

  it('checks the container state where an expectation names one', () => {
    const withState: Experiment = { ...experiment, expect: [{ step: 'read', means: 'it exited', state: 'exited' }] };
    expect(judge(withState, [record('read', { state: 'running' })], 'docker-api').differences[0]?.detail).toBe('container state: expected exited, got running');
  });
});
