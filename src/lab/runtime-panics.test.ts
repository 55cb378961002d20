import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test/temp-dirs.js';
import { SandboxPanicLogs } from './runtime-panics.js';

const LINE = 'panic: running on goroutine 48230 (task goroutine for kernel.Task 0x1 is 0)';

describe("a runtime's per-sandbox panic logs", () => {
  it("tell the first panic written since a mark by one of the experiment's own sandboxes", () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'aaaaaaaaaaaa.log'), 'panic: an older one\n');
    const logs = new SandboxPanicLogs(dir);
    const mark = logs.mark();
    expect(logs.since(mark, ['aaaaaaaaaaaa0123456789'])).toBeUndefined();
    appendFileSync(join(dir, 'aaaaaaaaaaaa.log'), `I1126 noise\n${LINE}\n\ngoroutine 49 [running]:\n`);
    // A sandbox made after the mark has its own new file.
    writeFileSync(join(dir, 'bbbbbbbbbbbb.log'), 'panic: the other one\n');
    expect(logs.since(mark, ['aaaaaaaaaaaa0123456789'])).toEqual({ line: LINE, path: join(dir, 'aaaaaaaaaaaa.log') });
    expect(logs.since(mark, ['bbbbbbbbbbbb'])?.line).toBe('panic: the other one');
    expect(logs.since(logs.mark(), ['aaaaaaaaaaaa', 'bbbbbbbbbbbb'])).toBeUndefined();
  });

  it("never attribute another experiment's sandbox's panic (the defect: the first panic of any sandbox was taken)", () => {
    const dir = tempDir();
    const logs = new SandboxPanicLogs(dir);
    const mark = logs.mark();
    writeFileSync(join(dir, 'cccccccccccc.log'), `${LINE}\n`);
    expect(logs.since(mark, ['dddddddddddd', 'eeeeeeeeeeee'])).toBeUndefined();
  });

  it('are no panic where the folder is missing', () => {
    const logs = new SandboxPanicLogs(join(tempDir(), 'absent'));
    expect(logs.since(logs.mark(), ['aaaaaaaaaaaa'])).toBeUndefined();
  });
});

afterAll(removeTempDirs);

describe('logs of sandboxes that did not panic', () => {
  it('are removed once their experiment is over; a log with a panic stays as evidence', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'aaaaaaaaaaaa.log'), '');
    writeFileSync(join(dir, 'bbbbbbbbbbbb.log'), `${LINE}\n`);
    new SandboxPanicLogs(dir).forget(['aaaaaaaaaaaa0000', 'bbbbbbbbbbbb0000', 'cccccccccccc']);
    expect(existsSync(join(dir, 'aaaaaaaaaaaa.log'))).toBe(false);
    expect(existsSync(join(dir, 'bbbbbbbbbbbb.log'))).toBe(true);
  });
});

describe('empty logs older than any run', () => {
  it('are removed when a run marks the logs', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'aaaaaaaaaaaa.log'), '');
    writeFileSync(join(dir, 'bbbbbbbbbbbb.log'), `${LINE}\n`);
    const marks = new SandboxPanicLogs(dir).mark(Date.now() + 3 * 60 * 60 * 1000);
    expect(existsSync(join(dir, 'aaaaaaaaaaaa.log'))).toBe(false);
    expect([...marks.keys()]).toEqual(['bbbbbbbbbbbb.log']);
  });
});
