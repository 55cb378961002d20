// A runtime's panic log (gVisor's `--panic-log`, set where shmlab provisions the engine): a sandbox that crashed is
// an engine failure, and the panic line tells the reader so, rather than a behaviour being read into it.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

const PANIC = /^(panic: .*|fatal error: .*)$/m;

export class PanicLog {
  constructor(readonly path: string) {}

  /** Where the log ends now. */
  mark(): number {
    return statSync(this.path, { throwIfNoEntry: false })?.size ?? 0;
  }

  /** The first panic line written since `mark` (by any sandbox of the engine: several experiments run at once). */
  since(mark: number): string | undefined {
    const size = this.mark();
    if (size <= mark) return undefined;
    const length = Math.min(size - mark, 1 << 20);
    const buffer = Buffer.alloc(length);
    const fd = openSync(this.path, 'r');
    try {
      readSync(fd, buffer, 0, length, mark);
    } finally {
      closeSync(fd);
    }
    return PANIC.exec(buffer.toString('utf8'))?.[1];
  }
}

export function panicLogFromEnv(env: NodeJS.ProcessEnv = process.env): PanicLog | undefined {
  return env.SHMLAB_RUNTIME_PANIC_LOG ? new PanicLog(env.SHMLAB_RUNTIME_PANIC_LOG) : undefined;
}
