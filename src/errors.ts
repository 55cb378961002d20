// Errors a user can act on: each carries one sentence and the process exit code.

/** Bad command line, unknown experiment, unwritable report directory: exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** No engine reachable, or it cannot be used: exit 2. */
export class EngineUnavailableError extends Error {
  readonly exitCode = 2;
}

/** The run was interrupted by a signal; exit 128 + signal number. */
export class InterruptedError extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}
