// Errors a user can act on: each carries one sentence and the process exit code.

/** Bad command line, unknown experiment, unwritable report directory: exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** No engine reachable, or it cannot be used: exit 2. */
export class EngineUnavailableError extends Error {
  readonly exitCode = 2;
}

/** The engine did not answer within the deadline: an engine failure, never retried, never an observation. */
export class EngineTimeoutError extends Error {}

/** An image shmlab built is not on the engine when a container needs it: never pulled, always this error. */
export class ImageMissingError extends Error {}

/** What the machine lacks to build the images (a C compiler, a writable TMPDIR): exit 2. */
export class SetupError extends Error {
  readonly exitCode = 2;
}

/** A message on one line: the first line of a multi-line error, trimmed. */
export function oneLine(message: string): string {
  return (
    message
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)[0] ?? message
  );
}

// Errors that come from the engine or the way to it, not from shmlab: an HTTP status, a socket's errno, a deadline.
const ENGINE_ERRNO = /^(ECONNREFUSED|ECONNRESET|ENOENT|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTSOCK|EACCES)$/;

/** One sentence for an engine failure outside any experiment, or undefined when the error is not the engine's. */
export function engineFailureSentence(err: unknown): string | undefined {
  const e = err as { statusCode?: number; code?: string; json?: { message?: string }; message?: string; address?: string; name?: string };
  const fromEngine =
    e?.name === 'CriError' ||
    typeof e?.statusCode === 'number' ||
    (typeof e?.code === 'string' && ENGINE_ERRNO.test(e.code) && 'address' in e) ||
    err instanceof EngineTimeoutError ||
    err instanceof ImageMissingError;
  if (!fromEngine) return undefined;
  const words = oneLine(String(e.json?.message ?? e.message ?? err));
  return `The engine failed (${words}): check that it runs and answers, then try again; "shmlab clean" removes what this run could not.`;
}
