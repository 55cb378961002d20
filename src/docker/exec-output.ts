// An exec's output, read from the engine's multiplexed stream. What the program wrote before a failure goes with the
// failure (`partialStdout`: run-steps' finished steps), and a stream the socket's backstop closed after a silence is
// said as the wait it was, not as the socket's "aborted".
import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { EngineTimeoutError } from '../errors.js';

interface ExecOutput {
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

/** What was read so far, where the caller can see it when it gives up waiting. */
export interface ExecChunks {
  stdout: Buffer[];
  stderr: Buffer[];
}

/** `silentMs`: how long the socket may be silent before its backstop closes it (the modem's timeout). */
export async function readExecOutput(
  stream: NodeJS.ReadableStream,
  dockerode: Dockerode,
  what: string,
  silentMs: number,
  chunks: ExecChunks,
): Promise<ExecOutput> {
  let heard = Date.now();
  const out = new PassThrough();
  const err = new PassThrough();
  out.on('data', (c: Buffer) => chunks.stdout.push(c));
  err.on('data', (c: Buffer) => chunks.stderr.push(c));
  stream.on('data', () => {
    heard = Date.now();
  });
  dockerode.modem.demuxStream(stream, out, err);
  try {
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
  } catch (error) {
    const silence = Date.now() - heard;
    const closed = (error as Error).message === 'aborted' && silence >= silentMs - 1000;
    const failure = closed ? new EngineTimeoutError(`the engine sent nothing for ${Math.round(silence / 1000)} s (${what})`) : (error as Error);
    throw Object.assign(failure, { partialStdout: Buffer.concat(chunks.stdout) });
  }
  const stdoutBytes = Buffer.concat(chunks.stdout);
  return { stdout: stdoutBytes.toString(), stderr: Buffer.concat(chunks.stderr).toString(), stdoutBytes };
}
