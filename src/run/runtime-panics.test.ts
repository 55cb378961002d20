import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test/temp-dirs.js';
import { PanicLog, panicLogFromEnv } from './runtime-panics.js';

describe("a runtime's panic log", () => {
  it('tells the first panic written since a mark, and nothing when none was', () => {
    const path = join(tempDir(), 'runsc-panic.log');
    writeFileSync(path, 'panic: an older one\n');
    const log = new PanicLog(path);
    const mark = log.mark();
    expect(log.since(mark)).toBeUndefined();
    appendFileSync(path, 'I1126 noise\npanic: running on goroutine 48230 (task goroutine for kernel.Task 0x1 is 0)\n\ngoroutine 49 [running]:\n');
    expect(log.since(mark)).toBe('panic: running on goroutine 48230 (task goroutine for kernel.Task 0x1 is 0)');
    expect(log.since(log.mark())).toBeUndefined();
  });

  it('is read only where the engine has one (a missing file is no panic)', () => {
    expect(panicLogFromEnv({})).toBeUndefined();
    const log = panicLogFromEnv({ SHMLAB_RUNTIME_PANIC_LOG: join(tempDir(), 'absent.log') })!;
    expect(log.since(log.mark())).toBeUndefined();
  });
});

afterAll(removeTempDirs);
