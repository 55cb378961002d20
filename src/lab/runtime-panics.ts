// A sandboxing runtime's panic logs (gVisor's `--panic-log`, one file per sandbox where shmlab provisions the engine):
// a step that failed while the experiment's own sandbox panicked is an engine failure, and the panic line tells the
// reader so, rather than a behaviour being read into it. A panic of another experiment's sandbox is not this one's.
import { closeSync, existsSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const PANIC = /^(panic: .*|fatal error: .*)$/m;

/** Longer than any run lasts. */
const OLD_MS = 2 * 60 * 60 * 1000;

/** A panic line, and the log of the sandbox that wrote it. */
interface SandboxPanic {
  line: string;
  path: string;
}

/**
 * The folder of a runtime's panic logs, a file per sandbox named after it: runsc is given
 * `--panic-log=<dir>/%TEST%.log --TESTONLY-test-name-env=HOSTNAME`, and Docker sets a container's HOSTNAME to the first
 * 12 hex digits of its id, so `<dir>/<12 hex digits>.log` is that container's sandbox's log.
 */
export class SandboxPanicLogs {
  constructor(readonly dir: string) {}

  /**
   * Where each log ends now. Empty logs older than any run (of helper containers no experiment forgets) are removed on
   * the way: a log with a panic stays as evidence.
   */
  mark(now = Date.now()): Map<string, number> {
    const marks = new Map<string, number>();
    for (const f of this.files()) {
      const st = statSync(join(this.dir, f), { throwIfNoEntry: false });
      if (st?.size === 0 && now - st.mtimeMs > OLD_MS) rmSync(join(this.dir, f), { force: true });
      else marks.set(f, st?.size ?? 0);
    }
    return marks;
  }

  /** Removes the logs of the containers `ids` that hold no panic: a sandbox that crashed keeps its log as evidence. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) {
      const path = join(this.dir, `${id.slice(0, 12)}.log`);
      if (existsSync(path) && !panicIn(path, 0)) rmSync(path, { force: true });
    }
  }

  /** The first panic written since `mark` by the sandbox of one of the containers `ids` (full or short ids). */
  since(mark: ReadonlyMap<string, number>, ids: Iterable<string>): SandboxPanic | undefined {
    const names = new Set([...ids].map((id) => `${id.slice(0, 12)}.log`));
    for (const file of this.files().filter((f) => names.has(f))) {
      const path = join(this.dir, file);
      const line = panicIn(path, mark.get(file) ?? 0);
      if (line) return { line, path };
    }
    return undefined;
  }

  private files(): string[] {
    return existsSync(this.dir) ? readdirSync(this.dir).filter((f) => f.endsWith('.log')) : [];
  }
}

function panicIn(path: string, from: number): string | undefined {
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (size <= from) return undefined;
  const length = Math.min(size - from, 1 << 20);
  const buffer = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, length, from);
  } finally {
    closeSync(fd);
  }
  return PANIC.exec(buffer.toString('utf8'))?.[1];
}

/** What a run's context holds (the name it has there). */
export type PanicLog = SandboxPanicLogs;
