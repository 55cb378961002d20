// Waits that a signal ends. The command line turns its first SIGINT, SIGTERM or SIGHUP into an AbortSignal: a wait
// on the engine or on a local tool ends at once when it aborts, and what runs after it (cleanup) is bounded.
import { setMaxListeners } from 'node:events';
import { InterruptedError } from '../errors.js';

/**
 * After a signal, shmlab waits on the engine for at most this long in all (cleanup, and a call that creates something
 * that cleanup must know of): an engine that answers is cleaned up after, one that holds every request is left to
 * "shmlab clean".
 */
export const AFTER_SIGNAL_MS = 15_000;

let commandLine: AbortSignal | undefined;

/** The command line's signal: every wait whose caller passes none listens to it (the lab of `clean`, a CRI lab's compile). */
export function useProcessSignal(signal: AbortSignal): void {
  // Every wait of a run listens to it (experiments run at once): more than Node's default of 10 listeners is no leak.
  setMaxListeners(0, signal);
  commandLine = signal;
}

export function processSignal(): AbortSignal | undefined {
  return commandLine;
}

/** The error for a wait a signal ended: "interrupted (SIGTERM) while …", as a step's record and the command line say it. */
export function interruption(signal: AbortSignal, during: string): InterruptedError {
  return new InterruptedError(`interrupted (${String(signal.reason ?? 'signal')}) ${during}`);
}

/** What `start` returns, or an InterruptedError as soon as `signal` aborts (listening before `start` runs). */
export function untilAborted<T>(start: () => Promise<T>, signal: AbortSignal | undefined, during: string): Promise<T> {
  if (!signal) return start();
  if (signal.aborted) return Promise.reject(interruption(signal, during));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(interruption(signal, during));
    signal.addEventListener('abort', onAbort, { once: true });
    let work: Promise<T>;
    try {
      work = start();
    } catch (err) {
      work = Promise.reject(err);
    }
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** When `signal` aborted (ms since the epoch), or undefined while it has not. */
const abortedAt = new WeakMap<AbortSignal, number>();

/** Starts keeping the time `signal` aborts at (the time it is first seen aborted, if it already is). */
export function watchSignal(signal: AbortSignal): void {
  if (abortedAt.has(signal)) return;
  if (signal.aborted) abortedAt.set(signal, Date.now());
  else signal.addEventListener('abort', () => abortedAt.set(signal, Date.now()), { once: true });
}

/** How much of AFTER_SIGNAL_MS is left: Infinity before the signal. */
export function graceLeft(signal: AbortSignal | undefined, now = Date.now()): number {
  if (!signal?.aborted) return Number.POSITIVE_INFINITY;
  watchSignal(signal);
  return (abortedAt.get(signal) ?? now) + AFTER_SIGNAL_MS - now;
}
