// containerd's config.toml means what shmlab has always written: for each case it writes (containerd 1.6, config version
// 2, and 2.1, version 3; each with runc and with crun), the text parses to what the sample in ./containerd-config-samples
// parses to. The samples are the hand-written texts of before smol-toml wrote them; containerd reads the meaning, not
// the layout, so a change here is a change of configuration, to check against a running engine.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';
import { containerdConfig, containerdLayout } from './containerd-config.js';

const SYSTEM_RUNC = '/usr/sbin/runc';
const CRUN = '/root/.cache/shmlab/debian/trixie/crun-source/crun';
const sample = (name: string) => readFileSync(join(ROOT, 'src', 'cri', 'containerd-config-samples', `${name}.toml`), 'utf8');
const config = (name: string, configVersion: 2 | 3, runc: string) =>
  containerdConfig(containerdLayout(name), { configVersion, sandboxImage: 'localhost/shmlab/pause:1', runc });

describe('containerd config.toml', () => {
  it.each([
    ['containerd-1.6', 2, SYSTEM_RUNC],
    ['containerd-1.6-crun', 2, CRUN],
    ['containerd-2.1', 3, SYSTEM_RUNC],
    ['containerd-2.1-crun', 3, CRUN],
  ] as const)('%s (config version %i, %s) means what it always has', (name, version, runc) => {
    expect(parse(config(name, version, runc))).toEqual(parse(sample(name)));
  });

  it('says in its first line which containerd it is for and what wrote it', () => {
    const [first] = config('containerd-2.1', 3, SYSTEM_RUNC).split('\n');
    expect(first).toBe('# containerd 2.x for shmlab (containerd-2.1); written by shmlab at every start.');
  });

  it("names the runtime handler after the OCI runtime, with the given binary and the engine's own runc state", () => {
    const plugins = parse(config('containerd-2.1-crun', 3, CRUN)).plugins as Record<string, { containerd: Record<string, unknown> }>;
    const { containerd } = plugins['io.containerd.cri.v1.runtime']!;
    expect(containerd.default_runtime_name).toBe('crun');
    expect(containerd.runtimes).toMatchObject({
      crun: { runtime_type: 'io.containerd.runc.v2', options: { BinaryName: CRUN, Root: '/var/lib/shmlab/containerd-2.1-crun/runc' } },
    });
  });
});
