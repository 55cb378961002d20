import { describe, expect, it } from 'vitest';
import type { PrivilegeMode } from '../model/result.js';
import { PrivilegeResolver } from './privilege.js';

const CAPS = Object.assign(new Error('x'), { json: { message: 'runc create failed: unable to apply caps: operation not permitted: unknown' } });

describe('PrivilegeResolver', () => {
  it('uses --privileged when the engine starts it', async () => {
    const r = new PrivilegeResolver();
    expect(
      await r.run(
        async (m) => m.mode,
        async () => {},
      ),
    ).toBe('privileged');
    expect(r.mode).toEqual({ mode: 'privileged' });
  });

  it("falls back to the equivalent only on the engine's capability refusal, says so, and keeps to it", async () => {
    const r = new PrivilegeResolver();
    const tried: string[] = [];
    let discarded = 0;
    let refusal = '';
    const start = async (m: PrivilegeMode) => {
      tried.push(m.mode);
      if (m.mode === 'privileged') throw CAPS;
      return m.mode;
    };
    const [a, b] = await Promise.all([
      r.run(
        start,
        async () => void discarded++,
        (w) => (refusal = w),
      ),
      r.run(start, async () => {}),
    ]);
    expect({ a, b, tried, discarded }).toEqual({ a: 'equivalent', b: 'equivalent', tried: ['privileged', 'equivalent', 'equivalent'], discarded: 1 });
    expect(refusal).toContain('unable to apply caps');
    expect(r.mode.reason).toContain('the engine said: "runc create failed: unable to apply caps');
  });

  it('does not fall back on any other failure', async () => {
    const r = new PrivilegeResolver();
    await expect(
      r.run(
        async () => {
          throw new Error('no such image');
        },
        async () => {},
      ),
    ).rejects.toThrow('no such image');
    expect(r.mode).toMatchObject({ mode: 'unknown' });
  });
});
