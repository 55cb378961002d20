// What shmlab does on the host for a pod, in the kubelet's place, and the shell lines that tell it: made once, in the
// order done, and undone with the pod (as root: a medium: Memory emptyDir is a real tmpfs mount).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeContainerLogFolder, makePodLogFolder, makeVolumes, mountsUnder, removeHostTrace, traceExists, undoLines } from './pod-host.js';
import { podPlace, traceOf } from './pod-spec.js';

const KUBELET = '    # shmlab, as the kubelet would';
let root = '';
// Whatever a failed test left: its mounts first, then its folders.
afterEach(() => void removeHostTrace({ folders: [root], cgroupParent: `/shmlab-pod-host-unit-${process.pid}/none` }));

describe('pod-host', () => {
  it('makes the folders and tmpfs a pod needs once, tells each as its shell line, and undoes them all', () => {
    root = mkdtempSync(join(tmpdir(), 'shmlab-pod-host-'));
    const place = podPlace(root, `/shmlab-pod-host-unit-${process.pid}`, 'run-app', 'u-1');
    const trace = traceOf(place);
    const disk = join(place.emptyDir, 'r1-data');
    const memory = join(place.emptyDir, 'r1-memory');
    const volumes = [
      { hostPath: disk, containerPath: '/data' },
      { hostPath: memory, containerPath: '/memory', tmpfs: { sizeBytes: 1048576 } },
    ];
    expect(traceExists(trace)).toBe(false);
    const kubelet: string[] = [];
    makePodLogFolder(place.logDirectory, kubelet);
    makeVolumes(volumes, kubelet);
    makeContainerLogFolder(join(place.logDirectory, 'app'), kubelet);
    expect(kubelet).toEqual([
      `mkdir -p ${place.logDirectory}${KUBELET}: the pod's log folder`,
      `mkdir -p ${disk}${KUBELET}: the emptyDir's folder`,
      `mkdir -p ${memory}${KUBELET}: the emptyDir's folder`,
      `mount -t tmpfs -o size=1048576,mode=0777 tmpfs ${memory}${KUBELET} for medium: Memory`,
      `mkdir -p ${join(place.logDirectory, 'app')}${KUBELET}: the container's log folder`,
    ]);
    expect(readFileSync('/proc/mounts', 'utf8')).toContain(` ${memory} tmpfs rw,relatime,size=1024k,mode=777`);
    expect(traceExists(trace)).toBe(true);

    // A second container of the pod (or a restart) finds them made: nothing done, nothing told.
    const again: string[] = [];
    makeVolumes(volumes, again);
    makeContainerLogFolder(join(place.logDirectory, 'app'), again);
    expect(again).toEqual([]);
    expect(mountsUnder(place.emptyDir)).toEqual([memory]);

    expect(undoLines(trace)).toEqual([
      `umount ${memory}${KUBELET}: the emptyDir's tmpfs (medium: Memory)`,
      `rm -rf ${place.emptyDir} ${place.logDirectory}${KUBELET}: the pod's emptyDir and log folders`,
      `rmdir $(find /sys/fs/cgroup/*/shmlab-pod-host-unit-${process.pid}/podu-1 -depth -type d)${KUBELET}: the pod's cgroup folders, which runc leaves`,
    ]);
    expect(removeHostTrace(trace)).toEqual([]);
    expect({ mounts: mountsUnder(root), folders: trace.folders.filter((f) => existsSync(f)), exists: traceExists(trace) }).toEqual({
      mounts: [],
      folders: [],
      exists: false,
    });
  });

  it('says why a tmpfs could not be mounted', () => {
    root = mkdtempSync(join(tmpdir(), 'shmlab-pod-host-'));
    // tmpfs refuses a negative size: mount(8) fails, and the error carries its words.
    const kubelet: string[] = [];
    expect(() => makeVolumes([{ hostPath: join(root, 'm'), containerPath: '/m', tmpfs: { sizeBytes: -1 } }], kubelet)).toThrow(
      `cannot mount the emptyDir (medium: Memory) at ${join(root, 'm')}: `,
    );
    expect(kubelet).toEqual([`mkdir -p ${join(root, 'm')}${KUBELET}: the emptyDir's folder`]);
  });
});
