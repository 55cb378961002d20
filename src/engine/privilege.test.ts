// The privilege learner both families share: privileged when the engine starts it, the nearest equivalent only on the
// engine's capability refusal (with the driver's own words), and no conclusion from any other failure.
import { describe, expect, it } from 'vitest';
import type { EngineDriver } from '../docker/docker-api.js';
import { DockerDriver } from '../docker/docker-driver.js';
import type { PrivilegeMode } from '../model/result.js';
import type { ContainerRequest } from './lab-driver.js';
import { PrivilegeResolver } from './privilege.js';

const CAPS = Object.assign(new Error('x'), { json: { message: 'runc create failed: unable to apply caps: operation not permitted: unknown' } });
const reason = (words: string) => `could not (said: "${words}")`;

describe('PrivilegeResolver', () => {
  it('uses privileged when the engine starts it', async () => {
    const r = new PrivilegeResolver(reason);
    expect(
      await r.run(
        async (m) => m.mode,
        async () => {},
      ),
    ).toBe('privileged');
    expect(r.mode).toEqual({ mode: 'privileged' });
  });

  it("falls back to the equivalent only on the engine's capability refusal, says so in the driver's words, and keeps to it", async () => {
    const r = new PrivilegeResolver(reason);
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
    expect(r.mode).toEqual({
      mode: 'equivalent',
      reason: 'could not (said: "runc create failed: unable to apply caps: operation not permitted: unknown")',
    });
  });

  it('does not fall back on any other failure, and says the mode is unknown', async () => {
    const r = new PrivilegeResolver(reason);
    let discarded = 0;
    await expect(
      r.run(
        async () => {
          throw new Error('no such image');
        },
        async () => void discarded++,
      ),
    ).rejects.toThrow('no such image');
    expect(discarded).toBe(0);
    expect(r.mode).toEqual({ mode: 'unknown', reason: 'a privileged container failed to start for another reason: no such image' });
  });

  it('learns from the next privileged container after a failure that told nothing, waiting ones included', async () => {
    const r = new PrivilegeResolver(reason);
    const tried: string[] = [];
    let failures = 1;
    const start = async (m: PrivilegeMode) => {
      tried.push(m.mode);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (m.mode === 'privileged' && failures-- > 0) throw new Error('no such image');
      if (m.mode === 'privileged') throw CAPS;
      return m.mode;
    };
    const [first, waiting] = await Promise.allSettled([r.run(start, async () => {}), r.run(start, async () => {})]);
    expect(first).toMatchObject({ status: 'rejected', reason: { message: 'no such image' } });
    // The one that waited asked again, got the capability refusal, and ran the equivalent; later ones use that.
    expect(waiting).toEqual({ status: 'fulfilled', value: 'equivalent' });
    expect(await r.run(start, async () => {})).toBe('equivalent');
    expect(tried).toEqual(['privileged', 'privileged', 'equivalent', 'equivalent']);
    expect(r.mode.mode).toBe('equivalent');
  });
});

describe("the Docker API driver's words", () => {
  it('say the engine could not start --privileged, and what the equivalent is in docker run flags', async () => {
    const removed: string[] = [];
    const api = {
      run: async (options: { hostConfig: { Privileged?: boolean } }, onCreated: (id: string) => void) => {
        const id = options.hostConfig.Privileged ? 'refused' : 'started';
        onCreated(id);
        if (options.hostConfig.Privileged) throw CAPS;
        return id;
      },
      remove: async (id: string) => void removed.push(id),
    } as unknown as EngineDriver;
    const driver = new DockerDriver(api);
    const request: ContainerRequest = {
      name: 'shmlab-r-demo-app-1',
      logicalName: 'app',
      spec: { privileged: true },
      image: 'sha256:1',
      labels: {},
      containerHandle: () => '',
      volumeName: (v) => v,
      onCreated: () => {},
    };
    const started = await driver.run(request);
    expect({ handle: started.handle, refusal: started.refusal, removed }).toEqual({ handle: 'started', refusal: CAPS.json.message, removed: ['refused'] });
    expect(driver.privilege).toEqual({
      mode: 'equivalent',
      reason:
        'this engine could not start a --privileged container on this host (the engine said: "runc create failed: unable to apply caps: operation not permitted: unknown"), so the privileged experiments use the nearest equivalent: CAP_SYS_ADMIN and no read-only or masked paths (--cap-add SYS_ADMIN --security-opt systempaths=unconfined)',
    });
  });
});
