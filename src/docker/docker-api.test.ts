import type { ContainerRuntimeClient } from 'testcontainers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AFTER_SIGNAL_MS } from '../engine/interruption.js';
import { InterruptedError } from '../errors.js';
import { EngineDriver, EngineTimeoutError, retryTransient } from './docker-api.js';

describe('retryTransient', () => {
  it("retries the engine's transient errors", async () => {
    let calls = 0;
    const result = await retryTransient(async () => {
      if (++calls < 3) throw new Error('(HTTP code 409) container is restarting, wait until the container is running');
      return 'ok';
    });
    expect({ result, calls }).toEqual({ result: 'ok', calls: 3 });
  });

  it('throws any other error at once', async () => {
    let calls = 0;
    await expect(
      retryTransient(async () => {
        calls++;
        throw new Error('(HTTP code 404) no such container');
      }),
    ).rejects.toThrow('no such container');
    expect(calls).toBe(1);
  });
});

describe('a call and the signal', () => {
  const client = { container: { dockerode: { modem: {} } } } as unknown as ContainerRuntimeClient;
  const never = () => new Promise<never>(() => {});
  const later = <T>(value: T, ms: number) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

  afterEach(() => {
    vi.useRealTimers();
  });

  it('ends a wait at once, saying what it waited for', async () => {
    const controller = new AbortController();
    const driver = new EngineDriver(client, 3_600_000, controller.signal);
    const waiting = driver.call('list containers', never);
    setTimeout(() => controller.abort('SIGTERM'), 50);
    const started = Date.now();
    await expect(waiting).rejects.toThrow(new InterruptedError('interrupted (SIGTERM) while waiting for the engine (list containers)'));
    // Far below its one-hour deadline, whatever else the machine is doing.
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('waits a short while more for a call that creates something, so that cleanup knows what it made', async () => {
    const controller = new AbortController();
    const driver = new EngineDriver(client, 3_600_000, controller.signal);
    const creating = driver.call('start a container', () => later('abc123', 300), 3_600_000, true);
    setTimeout(() => controller.abort('SIGTERM'), 50);
    await expect(creating).resolves.toBe('abc123');
  });

  it('never beyond AFTER_SIGNAL_MS after the signal, whatever the deadline', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const driver = new EngineDriver(client, 3_600_000, controller.signal);
    const creating = driver.call('start a container', never, 3_600_000, true);
    let settled = false;
    const seen = creating.catch((err: Error) => err).finally(() => (settled = true));
    controller.abort('SIGTERM');
    await vi.advanceTimersByTimeAsync(AFTER_SIGNAL_MS - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await seen).toEqual(new InterruptedError('interrupted (SIGTERM) while waiting for the engine (start a container)'));
  });

  it('lets cleanup ask after the signal, within what is left of that while, and then asks nothing more', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const driver = new EngineDriver(client, 3_600_000, controller.signal);
    controller.abort('SIGTERM');
    await expect(driver.call('remove a container', async () => 'removed')).resolves.toBe('removed');
    const held = driver.call('remove a volume', never).catch((err: Error) => err);
    await vi.advanceTimersByTimeAsync(AFTER_SIGNAL_MS);
    expect(await held).toEqual(new InterruptedError('interrupted (SIGTERM) while waiting for the engine (remove a volume)'));
    let asked = false;
    await expect(
      driver.call('remove an image', async () => {
        asked = true;
      }),
    ).rejects.toThrow(InterruptedError);
    expect(asked).toBe(false);
  });

  it('keeps its deadline before any signal', async () => {
    const driver = new EngineDriver(client, 100, new AbortController().signal);
    await expect(driver.call('inspect an image', never)).rejects.toThrow(new EngineTimeoutError('the engine did not answer (inspect an image) within 0.1 s'));
  });
});
