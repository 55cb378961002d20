// The sentences the command line prints for what went wrong: gRPC's internals never reach the user, and an engine's
// failure advises what fits the command that met it.
import { describe, expect, it } from 'vitest';
import { EngineFailedError, engineFailureSentence, plainWords } from '../src/errors.js';

describe('plainWords', () => {
  it.each([
    [
      'a runtime nobody listens for',
      'The CRI runtime at CONTAINER_RUNTIME_ENDPOINT=unix:///x.sock does not answer (No connection established. Last error: Error: connect ECONNREFUSED /x.sock. Resolution note: ): start it.',
      'The CRI runtime at CONTAINER_RUNTIME_ENDPOINT=unix:///x.sock does not answer (connect ECONNREFUSED /x.sock): start it.',
    ],
    [
      'a status code in front',
      '14 UNAVAILABLE: No connection established. Last error: connect ENOENT /x.sock. Resolution note: unix',
      'connect ENOENT /x.sock',
    ],
    [
      "a deadline's timings",
      '(4 DEADLINE_EXCEEDED: Deadline exceeded after 5.002s,name resolution: 0.001s,LB pick: 0.002s,remote_addr=/x.sock)',
      '(Deadline exceeded after 5.002s)',
    ],
    ['nothing to resolve', 'does not answer (No addresses resolved. Resolution note: bad target)', 'does not answer (no address could be resolved)'],
    [
      "an engine's own words, left as they are",
      'The engine failed (Conflict. The container name "/x" is already in use): check that it runs',
      'The engine failed (Conflict. The container name "/x" is already in use): check that it runs',
    ],
  ])('%s', (_, given, said) => {
    expect(plainWords(given)).toBe(said);
  });
});

describe('engineFailureSentence', () => {
  const failed = new EngineFailedError('building shmlab/lab:0123 failed: failed to get digest sha256:0123: image not found');

  it("a run's: try again, and clean removes what the run could not", () => {
    expect(engineFailureSentence(failed)).toBe(
      'The engine failed (building shmlab/lab:0123 failed: failed to get digest sha256:0123: image not found): check that it runs and answers, then try again; "shmlab clean" removes what this run could not.',
    );
  });

  it("clean's: run clean again, saying what it does", () => {
    expect(engineFailureSentence(Object.assign(new Error('x'), { statusCode: 500, json: { message: 'the engine went away' } }), 'clean')).toBe(
      'The engine failed (the engine went away): check that it runs and answers, then run "shmlab clean" again (it removes what runs proven dead left behind, and the cached images no live run uses).',
    );
  });

  it('is none of a bug of shmlab', () => {
    expect(engineFailureSentence(new TypeError('x is undefined'))).toBeUndefined();
    // A file that is not there is not the engine's doing, though its errno is one a socket gives too.
    expect(engineFailureSentence(Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: 'ENOENT', syscall: 'open' }))).toBeUndefined();
  });

  it("is the engine's when it closed the connection while a request was being written (seen under load: a build's context)", () => {
    expect(engineFailureSentence(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write', errno: -32 }))).toBe(
      'The engine failed (write EPIPE): check that it runs and answers, then try again; "shmlab clean" removes what this run could not.',
    );
  });
});
