// What a Docker API engine's containers cannot be given for want of cgroups, in the engine's own words: a rootless
// engine on a cgroup v1 host is delegated no controllers, so its containers have no cgroup of their own.
import type { Capability } from '../model/family.js';

interface CgroupFacts {
  product: 'Docker' | 'Podman';
  rootless: boolean;
  cgroupVersion: string;
  /** Docker's info: its cgroup driver (`none` when it runs without cgroups). */
  cgroupDriver?: string;
  /** Podman's info: the controllers its containers can use. */
  controllers?: string[];
}

// Why each needs a cgroup of the container's own: a pause freezes it (runc's Pause, through its cgroup manager; Podman
// refuses to pause a rootless container without one itself, in libpod), a memory limit is the memory controller's.
const NEEDS: Record<'Docker' | 'Podman', Partial<Record<Capability, string>>> = {
  Docker: {
    pause: "a pause freezes the container's cgroup (runc's Pause, through its cgroup manager), and these containers have none",
    'memory-limit': "a memory limit is the memory controller's, and these containers have none",
  },
  Podman: {
    pause:
      'Podman pauses a rootless container only where it has a cgroup of its own (libpod refuses otherwise: "can not pause containers on rootless containers with cgroup V1"), and these containers have none',
    'memory-limit': "a memory limit is the memory controller's, and these containers have none",
  },
};

export function cgroupLacks(facts: CgroupFacts): Partial<Record<Capability, string>> {
  if (!facts.rootless) return {};
  const needs = NEEDS[facts.product];
  if (facts.cgroupDriver === 'none') {
    const said = `${facts.product} runs rootless here without cgroups (its info: CgroupDriver none, cgroup v${facts.cgroupVersion})`;
    return Object.fromEntries(Object.entries(needs).map(([need, why]) => [need, `${said}: ${why}`]));
  }
  if (!facts.controllers || facts.controllers.includes('memory')) return {};
  const listed = `its info: cgroup v${facts.cgroupVersion}, cgroupControllers [${facts.controllers.join(', ')}]`;
  if (facts.controllers.length === 0 && facts.cgroupVersion === '1') {
    const said = `${facts.product} runs rootless here and reports no cgroup controller its containers can use (${listed})`;
    return Object.fromEntries(Object.entries(needs).map(([need, why]) => [need, `${said}: ${why}`]));
  }
  return {
    'memory-limit': `${facts.product} runs rootless here and reports no memory controller its containers can use (${listed}): ${needs['memory-limit']}`,
  };
}
