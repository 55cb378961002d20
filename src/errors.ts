// Errors a user can act on: each carries one sentence and the process exit code.

/** Bad command line, unknown experiment, unwritable report directory: exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** No engine reachable, or it cannot be used: exit 2. */
export class EngineUnavailableError extends Error {
  readonly exitCode = 2;
}

/** The Kubernetes API server cannot be reached, or refuses what `fleet gather` asks of it: exit 2. */
export class ClusterUnavailableError extends Error {
  readonly exitCode = 2;
}

/** The engine did not answer within the deadline: an engine failure, never retried, never an observation. */
export class EngineTimeoutError extends Error {}

/** An image shmlab built is not on the engine when a container needs it: never pulled, always this error. */
export class ImageMissingError extends Error {}

/** What the machine lacks to build the images (a C compiler, a writable TMPDIR or cache): exit 2. */
export class SetupError extends Error {
  readonly exitCode = 2;
}

/** A wait that a signal (the command line's SIGINT, SIGTERM or SIGHUP) ended: the process exits with the signal's code. */
export class InterruptedError extends Error {}

/** The engine failed an operation outside any experiment (a build it could not finish), in its own words: exit 2. */
export class EngineFailedError extends Error {}

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
export function engineFailureSentence(err: unknown, command = 'run'): string | undefined {
  const e = err as { statusCode?: number; code?: string; json?: { message?: string }; message?: string; address?: string; name?: string; syscall?: string };
  const fromEngine =
    e?.name === 'CriError' ||
    typeof e?.statusCode === 'number' ||
    (typeof e?.code === 'string' && ENGINE_ERRNO.test(e.code) && 'address' in e) ||
    // The engine closed the connection while a request was still being written or read (a build's context): the
    // socket's error carries no address, only its call.
    (typeof e?.code === 'string' && /^(EPIPE|ECONNRESET)$/.test(e.code) && (e.syscall === 'write' || e.syscall === 'read')) ||
    err instanceof EngineTimeoutError ||
    err instanceof ImageMissingError ||
    err instanceof EngineFailedError;
  if (!fromEngine) return undefined;
  const words = plainWords(oneLine(String(e.json?.message ?? e.message ?? err)));
  // What to do next depends on what failed: `clean` is the remedy of a run, and the thing to repeat for itself.
  const then =
    command === 'clean'
      ? 'then run "shmlab clean" again (it removes what runs proven dead left behind, and the cached images no live run uses)'
      : 'then try again; "shmlab clean" removes what this run could not';
  return `The engine failed (${words}): check that it runs and answers, ${then}.`;
}

const GRPC_STATUS =
  'CANCELLED|UNKNOWN|INVALID_ARGUMENT|DEADLINE_EXCEEDED|NOT_FOUND|ALREADY_EXISTS|PERMISSION_DENIED|RESOURCE_EXHAUSTED|FAILED_PRECONDITION|ABORTED|OUT_OF_RANGE|UNIMPLEMENTED|INTERNAL|UNAVAILABLE|DATA_LOSS|UNAUTHENTICATED';

/**
 * A message without gRPC's internals (CRI runtimes are reached over gRPC): the status code's prefix, the load
 * balancer's "No connection established. Last error: … Resolution note: …" (its last error is what matters), and the
 * timings a deadline lists after what happened ("Deadline exceeded after 5.0s,LB pick: …,remote_addr=…").
 */
export function plainWords(message: string): string {
  return message
    .replace(new RegExp(`\\b\\d{1,2} (${GRPC_STATUS}): `, 'g'), '')
    .replace(/No connection established\. Last error: (?:Error: )?(.*?)\.? Resolution note:[^)]*/g, '$1')
    .replace(/No addresses resolved\. Resolution note:[^)]*/g, 'no address could be resolved')
    .replace(/(Deadline exceeded after [\d.]+m?s),[^)]*/g, '$1')
    .trim();
}
