// Everything shmlab does on the node's host for a pod, in the kubelet's place (no kubelet runs): the pod's and its
// containers' log folders, the emptyDir folders and the tmpfs of those with medium: Memory, and their undoing with the
// cgroup folders runc leaves. What is made is told as the shell line that does the same (`kubelet`, in the order done).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { cgroupExists, cgroupGlob, removeCgroupFolders, removeEmptyCgroupFolder } from './cgroup-folders.js';
import { asKubelet } from './crictl-commands.js';
import { describeProcess, endProcesses, processesInCgroup } from './node-processes.js';
import type { HostTrace, VolumeMount } from './pod-spec.js';

/** The pod's log folder, made before RunPodSandbox: the runtime writes its containers' logs there. */
export function makePodLogFolder(dir: string, kubelet: string[]): void {
  mkdirSync(dir, { recursive: true });
  kubelet.push(asKubelet(`mkdir -p ${dir}`, "the pod's log folder"));
}

/** A container's log folder in its pod's, unless an earlier attempt made it. */
export function makeContainerLogFolder(dir: string, kubelet: string[]): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true });
  kubelet.push(asKubelet(`mkdir -p ${dir}`, "the container's log folder"));
}

/** The emptyDir folders a container mounts, and a tmpfs on those with medium: Memory; what another container of the pod made stays. */
export function makeVolumes(volumes: readonly VolumeMount[], kubelet: string[]): void {
  for (const { hostPath, tmpfs } of volumes) {
    if (!existsSync(hostPath)) {
      mkdirSync(hostPath, { recursive: true });
      kubelet.push(asKubelet(`mkdir -p ${hostPath}`, "the emptyDir's folder"));
    }
    // emptyDir with medium: Memory is a tmpfs the kubelet mounts on the pod's folder, sized by its sizeLimit.
    if (tmpfs && !mountsUnder(hostPath).includes(hostPath)) {
      const args = ['-t', 'tmpfs', '-o', `${tmpfs.sizeBytes ? `size=${tmpfs.sizeBytes},` : ''}mode=0777`, 'tmpfs', hostPath];
      const mounted = spawnSync('mount', args, { encoding: 'utf8' });
      if (mounted.status !== 0) throw new Error(`cannot mount the emptyDir (medium: Memory) at ${hostPath}: ${mounted.stderr.trim()}`);
      kubelet.push(asKubelet(`mount ${args.join(' ')}`, 'medium: Memory', 'for'));
    }
  }
}

/** Whether anything of the pod is on the host: one of its folders, or its cgroup. */
export function traceExists(trace: HostTrace): boolean {
  return trace.folders.some((f) => existsSync(f)) || cgroupExists(trace.cgroupParent);
}

/** Ends the processes left in the pod's cgroup (ones its runtime lost, such as a `runc init`); returns who they were. */
export async function endLostProcesses(trace: HostTrace): Promise<string[]> {
  const lost = processesInCgroup(trace.cgroupParent);
  const described = lost.map(describeProcess);
  await endProcesses(lost);
  return described;
}

/** Removes what shmlab made for the pod once the runtime is done with it; returns the cgroup folders still in use. */
export function removeHostTrace(trace: HostTrace): string[] {
  for (const folder of trace.folders) unmountUnder(folder);
  for (const folder of trace.folders) rmSync(folder, { recursive: true, force: true });
  return removeCgroupFolders(trace.cgroupParent);
}

/** Removes the cgroup of a pod no run accounts for, ending what still runs in it first; whether it is gone. */
export async function removeLostCgroup(cgroupParent: string): Promise<boolean> {
  await endProcesses(processesInCgroup(cgroupParent));
  return removeCgroupFolders(cgroupParent).length === 0;
}

/** Removes a folder of a pod no run accounts for, with the tmpfs mounts under it. */
export function removeHostFolder(path: string): void {
  unmountUnder(path);
  rmSync(path, { recursive: true, force: true });
}

/** The shell lines that undo what shmlab made on the host for the pod, as the kubelet would when a pod is deleted. */
export function undoLines(trace: HostTrace): string[] {
  return [
    ...trace.folders
      .slice(0, 1)
      .flatMap((emptyDir) => mountsUnder(emptyDir))
      .reverse()
      .map((m) => asKubelet(`umount ${m}`, "the emptyDir's tmpfs (medium: Memory)")),
    asKubelet(`rm -rf ${trace.folders.join(' ')}`, "the pod's emptyDir and log folders"),
    asKubelet(`rmdir $(find ${cgroupGlob(trace.cgroupParent)} -depth -type d)`, "the pod's cgroup folders, which runc leaves"),
  ];
}

/** The cgroup folder of a driver's pods, and its parents (/shmlab), once empty: pods' own folders go with each pod. */
export function removeCgroupRoot(cgroupRoot: string): void {
  for (let dir = cgroupRoot; dir !== '/' && dir !== '.'; dir = dirname(dir)) removeEmptyCgroupFolder(dir);
}

/** Mount points at or below `dir` (the emptyDir tmpfs mounts of a pod). */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => (line.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}

function unmountUnder(dir: string): void {
  for (const mount of mountsUnder(dir).reverse()) spawnSync('umount', ['-l', mount]);
}
