// runc (cgroupfs driver) leaves the parent folders of a pod's cgroups behind in every hierarchy: shmlab removes its own.
import { existsSync, lstatSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** The mount points of the cgroup hierarchies: one on cgroup v2, one per controller (and `unified`) on v1 or hybrid. */
export function cgroupHierarchies(root = CGROUP_ROOT): string[] {
  if (existsSync(join(root, 'cgroup.controllers'))) return [root];
  // Skip the cpu,cpuacct-style symlinks: they point at a hierarchy already listed.
  return readdirSync(root)
    .map((name) => join(root, name))
    .filter((dir) => lstatSync(dir).isDirectory());
}

/** Whether the cgroup folder `path` is there in any hierarchy. */
export function cgroupExists(path: string, root = CGROUP_ROOT): boolean {
  return cgroupHierarchies(root).some((hierarchy) => existsSync(join(hierarchy, path)));
}

/** A shell glob of the cgroup folder `path` in every hierarchy (for a transcript). */
export function cgroupGlob(path: string, root = CGROUP_ROOT): string {
  return existsSync(join(root, 'cgroup.controllers')) ? join(root, path) : `${root}/*${path}`;
}

/** The folders just under `path` (e.g. the pod<uid> folders of /shmlab/containerd-1.6) in any hierarchy, with their time of change. */
export function cgroupChildren(path: string, root = CGROUP_ROOT): Map<string, number> {
  const found = new Map<string, number>();
  for (const hierarchy of cgroupHierarchies(root)) {
    const dir = join(hierarchy, path);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory()) found.set(entry.name, Math.max(found.get(entry.name) ?? 0, statSync(join(dir, entry.name)).mtimeMs));
  }
  return found;
}

/**
 * Removes the cgroup folder `path` (e.g. /shmlab/containerd-1.6/pod<uid>) and what is under it in every hierarchy, deepest
 * first. A folder still holding processes cannot be removed and stays; those are returned.
 */
export function removeCgroupFolders(path: string, root = CGROUP_ROOT): string[] {
  const kept: string[] = [];
  for (const hierarchy of cgroupHierarchies(root)) {
    const dir = join(hierarchy, path);
    if (existsSync(dir)) removeTree(dir, kept);
  }
  return kept;
}

function removeTree(dir: string, kept: string[]): void {
  // cgroupfs lists its control files as regular files; only the sub-folders are child cgroups.
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeTree(join(dir, entry.name), kept);
  try {
    rmdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') kept.push(`${dir} (${code})`);
  }
}

/** Removes the cgroup folder `path` in every hierarchy if it is empty; a folder with children stays, silently. */
export function removeEmptyCgroupFolder(path: string, root = CGROUP_ROOT): void {
  for (const hierarchy of cgroupHierarchies(root)) {
    try {
      rmdirSync(join(hierarchy, path));
    } catch {
      // ENOENT, or still used by another engine's pods (EBUSY/ENOTEMPTY).
    }
  }
}
