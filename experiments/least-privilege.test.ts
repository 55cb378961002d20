// Least privilege: each container gets network none, no host path, and privilege only where its experiment declares it.
import { describe, expect, it } from 'vitest';
import { containerConfig } from '../src/docker/container-config.js';
import { EXPERIMENTS } from './index.js';

const resolve = { container: (n: string) => `id-${n}`, volume: (n: string) => `vol-${n}` };

describe.each(EXPERIMENTS.flatMap((e) => Object.entries(e.containers).map(([name, spec]) => [`${e.slug}/${name}`, spec] as const)))('%s', (_, spec) => {
  for (const mode of ['privileged', 'equivalent'] as const) {
    it(`is granted only what it declares (${mode} host)`, () => {
      const c = containerConfig(spec, { mode }, resolve);
      expect(c.flags.slice(0, 2)).toEqual(['--network', 'none']);
      expect(c.hostConfig.Binds).toBeUndefined();
      // Named volumes and tmpfs only: never a path of the host.
      expect((c.hostConfig.Mounts ?? []).every((m) => m.Type === 'volume' || m.Type === 'tmpfs')).toBe(true);
      const privileged = Boolean(c.hostConfig.Privileged || c.hostConfig.CapAdd?.length || c.hostConfig.ReadonlyPaths);
      expect(privileged).toBe(Boolean(spec.privileged));
      expect(c.hostConfig.IpcMode).toBeUndefined(); // set through testcontainers' withIpcMode, from ipcMode
      expect(c.ipcMode === undefined || c.ipcMode === 'private').toBe(!spec.ipc || spec.ipc === 'private');
      expect(c.grants.length > 0).toBe(Boolean(spec.privileged || spec.sysctls || spec.volumes || (spec.ipc && spec.ipc !== 'private')));
    });
  }
});
