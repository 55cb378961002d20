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

// runc pauses a container by freezing its cgroup (libcontainer's Pause, through its cgroup manager's Freeze); a memory
// limit is the memory controller's.
const NEEDS: Partial<Record<Capability, string>> = {
  pause: "a pause freezes the container's cgroup (runc's Pause, through its cgroup manager), and these containers have none",
  'memory-limit': "a memory limit is the memory controller's, and these containers have none",
};

export function cgroupLacks(facts: CgroupFacts): Partial<Record<Capability, string>> {
  if (!facts.rootless) return {};
  const said =
    facts.cgroupDriver === 'none'
      ? `${facts.product} runs rootless here without cgroups (its info: CgroupDriver none, cgroup v${facts.cgroupVersion})`
      : facts.controllers && !facts.controllers.includes('memory') && facts.cgroupVersion === '1'
        ? `${facts.product} runs rootless here and reports no cgroup controller its containers can use (its info: cgroup v1, cgroupControllers [${facts.controllers.join(', ')}])`
        : undefined;
  if (!said) return {};
  return Object.fromEntries(Object.entries(NEEDS).map(([need, why]) => [need, `${said}: ${why}`]));
}
