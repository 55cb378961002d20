// An exec's output, and what goes with a failure: the output so far, and a silence the backstop ended said as such.
import { PassThrough } from 'node:stream';
import Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { EngineTimeoutError } from '../errors.js';
import { type ExecChunks, readExecOutput } from './exec-output.js';

/** One frame of the engine's multiplexed stream: 1 for stdout, 2 for stderr. */
const frame = (kind: 1 | 2, text: string) => {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = kind;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};

const dockerode = new Dockerode({ socketPath: '/nonexistent/shmlab.sock' });

describe('readExecOutput', () => {
  it('splits stdout from stderr, and gives stdout as bytes too', async () => {
    const stream = new PassThrough();
    const reading = readExecOutput(stream, dockerode, 'exec x', 65_000, { stdout: [], stderr: [] });
    stream.end(Buffer.concat([frame(1, 'é\n'), frame(2, 'warn\n')]));
    expect(await reading).toEqual({ stdout: 'é\n', stderr: 'warn\n', stdoutBytes: Buffer.from('é\n') });
  });

  it('says a stream closed after a silence as long as the backstop as that wait, with what was written before it', async () => {
    const stream = new PassThrough();
    const chunks: ExecChunks = { stdout: [], stderr: [] };
    const reading = readExecOutput(stream, dockerode, 'exec run-steps', 50, chunks);
    stream.write(frame(1, 'step 0\n'));
    await new Promise((r) => setTimeout(r, 100));
    stream.destroy(new Error('aborted'));
    const failure = await reading.catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(EngineTimeoutError);
    expect(failure).toMatchObject({
      message: expect.stringMatching(/^the engine sent nothing for \d+ s \(exec run-steps\)$/),
      partialStdout: Buffer.from('step 0\n'),
    });
  });

  it('keeps the words of a stream that broke while the engine was still sending (the engine went away)', async () => {
    const stream = new PassThrough();
    const reading = readExecOutput(stream, dockerode, 'exec x', 65_000, { stdout: [], stderr: [] });
    stream.destroy(new Error('aborted'));
    const failure = await reading.catch((err: unknown) => err);
    expect(failure).not.toBeInstanceOf(EngineTimeoutError);
    expect(failure).toMatchObject({ message: 'aborted', partialStdout: Buffer.alloc(0) });
  });
});
