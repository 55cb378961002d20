// An exec runs its program once: a transient error after it started repeats only the read of its exit code.
import { PassThrough } from 'node:stream';
import type { ContainerRuntimeClient } from 'testcontainers';
import { describe, expect, it } from 'vitest';
import { NOT_HUNG_MS } from '../../test/not-hung.js';
import { EngineDriver, EngineTimeoutError } from './docker-api.js';

function fakeClient(behaviour: { inspectFailures: number; hang?: boolean; output?: string; exitCode?: number }) {
  const counts = { create: 0, start: 0, inspect: 0 };
  const frame = (text: string) => Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, text.length]), Buffer.from(text)]);
  const exec = {
    start: async () => {
      counts.start++;
      const stream = new PassThrough();
      if (!behaviour.hang) setImmediate(() => stream.end(frame(behaviour.output ?? 'wrote segment\n')));
      return stream;
    },
    inspect: async () => {
      counts.inspect++;
      if (counts.inspect <= behaviour.inspectFailures) throw new Error('socket hang up');
      return { ExitCode: behaviour.exitCode ?? 0 };
    },
  };
  const container = { exec: async () => (counts.create++, exec) };
  const dockerode = {
    modem: {
      demuxStream: (stream: PassThrough, out: PassThrough) => stream.on('data', (c: Buffer) => out.write(c.subarray(8))),
    },
  };
  const client = { container: { dockerode, getById: () => container } } as unknown as ContainerRuntimeClient;
  return { client, counts };
}

describe('exec', () => {
  it('starts the program once when reading its exit code fails transiently, and retries only that read', async () => {
    const { client, counts } = fakeClient({ inspectFailures: 2 });
    const outcome = await new EngineDriver(client).exec('abc', ['sysv-write', '--key', '1']);
    expect(outcome).toEqual({ exitCode: 0, stdout: 'wrote segment\n', stderr: '', stdoutBytes: Buffer.from('wrote segment\n') });
    expect(counts).toEqual({ create: 1, start: 1, inspect: 3 });
  });

  it('gives up at its deadline with what it waited for, and never starts the program again', async () => {
    const { client, counts } = fakeClient({ inspectFailures: 0, hang: true });
    const started = Date.now();
    const failure = await new EngineDriver(client, 300).exec('abc', ['sysv-read']).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(EngineTimeoutError);
    // What the program had written goes with the failure (here: nothing).
    expect(failure).toMatchObject({ message: 'the engine did not answer (exec sysv-read) within 0.3 s', partialStdout: Buffer.alloc(0) });
    expect(Date.now() - started).toBeLessThan(NOT_HUNG_MS);
    expect(counts.start).toBe(1);
  });

  it('is an engine failure when the runtime, not the program, failed it (a crashed gVisor sandbox)', async () => {
    const crashed = 'waiting on pid 2: waiting on PID 2 in sandbox "955a": urpc method "containerManager.WaitPID" failed: EOF\n';
    const { client } = fakeClient({ inspectFailures: 0, output: crashed, exitCode: 128 });
    await expect(new EngineDriver(client).exec('abc', ['cat', '/etc/sysctl.conf'])).rejects.toThrow(
      /the runtime failed the exec \(exit 128\): waiting on pid 2/,
    );
  });

  it("is the program's own result when it exits 128 with words of its own", async () => {
    const { client } = fakeClient({ inspectFailures: 0, output: 'sh: killed\n', exitCode: 128 });
    expect(await new EngineDriver(client).exec('abc', ['sh', '-c', 'exit 128'])).toMatchObject({ exitCode: 128 });
  });
});
