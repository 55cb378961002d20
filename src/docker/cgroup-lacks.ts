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

// Why each needs a cgroup of the container's own: runc pauses a container by freezing its cgroup; libpod refuses any
// pause when rootless on cgroup v1; a memory limit is a cgroup's (moby's rootless spec conversion, rootless/specconv
// ToRootless, drops the cgroup settings of a container where it has no controllers).
const NEEDS: Record<'Docker' | 'Podman', Partial<Record<Capability, string>>> = {
  Docker: {
    pause: 'runc pauses a container by freezing its cgroup, and these containers get none of their own; shmlab did not ask for a pause',
    'memory-limit':
      'these containers get no cgroup of their own, and Docker drops the cgroup settings of such a container (moby rootless/specconv, `ToRootless`), so a memory limit would not be applied; shmlab did not ask for one',
  },
  Podman: {
    pause:
      'libpod refuses to pause any container when rootless on cgroup v1 (its pause: "can not pause containers on rootless containers with cgroup V1"); shmlab did not ask for a pause',
    'memory-limit': 'these containers get no cgroup of their own, so a memory limit would not be applied; shmlab did not ask for one',
  },
};

export function cgroupLacks(facts: CgroupFacts): Partial<Record<Capability, string>> {
  if (!facts.rootless) return {};
  const needs = NEEDS[facts.product];
  if (facts.cgroupDriver === 'none') {
    const said = `${facts.product}'s info says CgroupDriver none (rootless, cgroup v${facts.cgroupVersion})`;
    return Object.fromEntries(Object.entries(needs).map(([need, why]) => [need, `${said}: ${why}`]));
  }
  if (!facts.controllers || facts.controllers.includes('memory')) return {};
  const listed = `rootless, cgroup v${facts.cgroupVersion}, cgroupControllers [${facts.controllers.join(', ')}]`;
  if (facts.controllers.length === 0 && facts.cgroupVersion === '1') {
    const said = `${facts.product}'s info lists no cgroup controller for its containers (${listed})`;
    return Object.fromEntries(Object.entries(needs).map(([need, why]) => [need, `${said}: ${why}`]));
  }
  return {
    'memory-limit': `${facts.product}'s info lists no memory controller for its containers (${listed}): a memory limit would not be applied; shmlab did not ask for one`,
  };
}
