// The CRI log format as containerd writes it: full and partial lines of both streams, in one file.
import { describe, expect, it } from 'vitest';
import { parseCriLog } from './cri-logs.js';

describe('parseCriLog', () => {
  it('splits the streams and joins partial lines', () => {
    const text = [
      '2026-01-01T00:00:00.000000001Z stdout F idle: ready',
      '2026-01-01T00:00:00.000000002Z stderr P sysv-read: shm',
      '2026-01-01T00:00:00.000000003Z stderr F get: ENOENT (No such file or directory)',
      '2026-01-01T00:00:00.000000004Z stdout F ',
      '2026-01-01T00:00:00.000000005Z stdout F a  b',
      '',
    ].join('\n');
    expect(parseCriLog(text)).toEqual({ stdout: 'idle: ready\n\na  b\n', stderr: 'sysv-read: shmget: ENOENT (No such file or directory)\n' });
  });

  it('ignores what is not a log line', () => {
    expect(parseCriLog('garbage\n')).toEqual({ stdout: '', stderr: '' });
  });
});
