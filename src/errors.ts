// Errors a user can act on: each carries one sentence and the process exit code.

/** Bad command line, unknown experiment, unwritable report directory: exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** No engine reachable, or it cannot be used: exit 2. */
export class EngineUnavailableError extends Error {
  readonly exitCode = 2;
}
