import { describe, expect, it } from 'vitest';
import { retryTransient } from './engine-driver.js';

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
