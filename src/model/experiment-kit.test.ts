// The experiment kit's phrases say only what a record shows: a value read, a write's failure in its own words, a
// refusal told from an acceptance and from an engine failure.
import { describe, expect, it } from 'vitest';
import { record } from '../../test/records.js';
import type { StepRecord } from './experiment.js';
import { ALPHABET, dataOutcome, errorWords, grouped, listed, numberIn, ran, readOutcome, refusalOutcome, valueRead, writeOutcome } from './experiment-kit.js';

describe('the kit', () => {
  const cat = (stdout: string, fields: Partial<StepRecord> = {}) => record('value', { stdout, ...fields });

  it('reads a value with or without its trailing newline', () => {
    expect(numberIn(cat('18446744073692774399\n'))).toBe('18446744073692774399');
    expect(numberIn(cat('18446744073692774399'))).toBe('18446744073692774399');
    expect(valueRead(cat('', { exitCode: 1, stderr: "cat: can't open '/proc/sys/kernel/shm_rmid_forced': No such file or directory\n" }))).toBe(
      'unreadable (No such file or directory)',
    );
    expect(valueRead(undefined)).toBe('not run');
    expect(valueRead(cat('', { engineFailed: true, exitCode: null, stderr: 'container is not running' }))).toBe('engine error');
  });

  it("names a write's failure in its own words", () => {
    expect(writeOutcome(record('w', { exitCode: 1, stderr: "sh: can't create /proc/sys/kernel/shmmax: Read-only file system\n" }))).toBe(
      'failed: Read-only file system',
    );
    expect(writeOutcome(record('w', { exitCode: 1, stderr: 'sh: write error: Input/output error\n' }))).toBe('failed: Input/output error');
    expect(writeOutcome(record('w', { exitCode: 12, stderr: 'mq-write: mq_send: ENOSYS (Function not implemented)\n' }))).toBe('failed: ENOSYS');
    expect(writeOutcome(record('w'))).toBe('written');
    expect(writeOutcome(undefined)).toBe('not run');
    expect(
      errorWords(
        record('w', {
          exitCode: 255,
          stderr: 'sysctl: setting key "kernel.shmmax": Input/output error\nsysctl: setting key "kernel.shmall": Input/output error\n',
        }),
      ),
    ).toBe('Input/output error');
  });

  it('says "not run" for a read that did not run, or was skipped, and compares data by content', () => {
    expect(readOutcome(undefined)).toBe('not run');
    expect(readOutcome(record('changes', { skipped: 'CRI has no diff' }))).toBe('not run');
    expect(readOutcome(record('r', { stdout: ALPHABET.trimEnd() }))).toBe('kept');
    expect(ran(record('r', { skipped: 'no such operation' }))).toBe(false);
  });

  it('says "lost" only of data a write stored', () => {
    const gone = record('r', { exitCode: 10, stderr: 'mq-read: mq_open: ENOENT (No such file or directory)\n' });
    expect(dataOutcome(record('w'), gone)).toBe('lost (ENOENT)');
    expect(dataOutcome(record('w', { exitCode: 12, stderr: 'mq-write: mq_send: ENOSYS (Function not implemented)\n' }), gone)).toBe('write failed (ENOSYS)');
    expect(dataOutcome(undefined, undefined)).toBe('not run');
  });

  it('tells a refusal from an acceptance and from an engine failure', () => {
    expect(
      refusalOutcome(record('run', { exitCode: 1, engineFailed: true, refused: true, stderr: 'sysctl "kernel.sysrq" is not in a separate kernel namespace' })),
    ).toBe('refused');
    expect(refusalOutcome(record('run', { stdout: 'c0ffee\n' }))).toBe('accepted');
    expect(refusalOutcome(record('run', { exitCode: null, engineFailed: true, stderr: 'Error response from daemon: container is not running' }))).toBe(
      'engine error',
    );
    expect(refusalOutcome(undefined)).toBe('not run');
  });

  it('groups and lists in words', () => {
    expect(grouped(['a', 'b', 'c'], ['kept', 'kept', 'kept'], 'all three')).toBe('all three kept');
    expect(grouped(['a', 'b', 'c'], ['kept', 'lost', 'kept'], 'all three')).toBe('a, c kept; b lost');
    expect(listed(['a', 'b', 'c'])).toBe('a, b and c');
  });
});
