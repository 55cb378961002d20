import { describe, expect, it } from 'vitest';
import { cgroupLacks } from './cgroup-lacks.js';

describe("what a Docker API engine's containers cannot be given for want of cgroups, in its own words", () => {
  it("names Podman's empty cgroupControllers on a rootless cgroup v1 host for pause and memory limits", () => {
    const lacks = cgroupLacks({ product: 'Podman', rootless: true, cgroupVersion: '1', controllers: [] });
    expect(Object.keys(lacks).sort()).toEqual(['memory-limit', 'pause']);
    expect(lacks.pause).toMatch(
      /^Podman's info lists no cgroup controller for its containers \(rootless, cgroup v1, cgroupControllers \[\]\): libpod refuses to pause any container/,
    );
  });

  it("names Docker's cgroup driver none", () => {
    expect(cgroupLacks({ product: 'Docker', rootless: true, cgroupVersion: '1', cgroupDriver: 'none' })['memory-limit']).toMatch(
      /^Docker's info says CgroupDriver none \(rootless, cgroup v1\): these containers get no cgroup of their own, and Docker drops/,
    );
  });

  it('names only the memory limit where other controllers are given, and says which', () => {
    const lacks = cgroupLacks({ product: 'Podman', rootless: true, cgroupVersion: '2', controllers: ['pids'] });
    expect(Object.keys(lacks)).toEqual(['memory-limit']);
    expect(lacks['memory-limit']).toMatch(/^Podman's info lists no memory controller for its containers \(rootless, cgroup v2, cgroupControllers \[pids\]\)/);
  });

  it.each([
    ['a rootful engine', { product: 'Docker' as const, rootless: false, cgroupVersion: '1', cgroupDriver: 'none' }],
    ['a rootless Podman given the memory controller', { product: 'Podman' as const, rootless: true, cgroupVersion: '1', controllers: ['memory', 'pids'] }],
    [
      'a rootless Podman on cgroup v2 given the memory controller',
      { product: 'Podman' as const, rootless: true, cgroupVersion: '2', controllers: ['memory', 'pids'] },
    ],
    ['a rootless Docker with a cgroup driver', { product: 'Docker' as const, rootless: true, cgroupVersion: '2', cgroupDriver: 'systemd' }],
  ])('lacks nothing for %s', (_, facts) => {
    expect(cgroupLacks(facts)).toEqual({});
  });
});
