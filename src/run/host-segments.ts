// The host's IPC namespace, seen and cleaned through the engine (a helper container with --ipc=host),
// so it works the same for a local or a remote engine.
import type { EngineDriver } from '../engine/engine-driver.js';
import { HOST_KEY_PREFIX } from './lab-session.js';

export interface HostSegment {
  key: number;
  shmid: number;
  size: number;
  /** Seconds since the epoch when it was last changed (created). */
  ctime: number;
}

async function inHostIpc(driver: EngineDriver, image: string, labels: Record<string, string>, script: string): Promise<string> {
  const container = await driver.dockerode.createContainer({
    Image: image,
    Cmd: ['/bin/sh', '-c', script],
    Labels: labels,
    NetworkDisabled: true,
    HostConfig: { IpcMode: 'host', NetworkMode: 'none' },
  });
  try {
    await container.start();
    const { StatusCode } = await container.wait();
    const { stdout, stderr } = await driver.logs(container.id);
    if (StatusCode !== 0) throw new Error(`helper in the host's IPC namespace failed (exit ${StatusCode}): ${stderr.trim()}`);
    return stdout;
  } finally {
    await driver.remove(container.id);
  }
}

export async function removeHostKeys(driver: EngineDriver, image: string, labels: Record<string, string>, keys: number[]): Promise<void> {
  await inHostIpc(driver, image, labels, keys.map((k) => `/bin/sysv-rm --key ${k}`).join(' && '));
}

/** Every segment in the host's IPC namespace, shmlab's or not. */
export async function listAllHostSegments(driver: EngineDriver, image: string, labels: Record<string, string>): Promise<HostSegment[]> {
  return parseSysvipcShm(await inHostIpc(driver, image, labels, '/bin/cat /proc/sysvipc/shm'));
}

/** Every segment in the host's namespace whose key carries shmlab's prefix. */
export async function listHostSegments(driver: EngineDriver, image: string, labels: Record<string, string>): Promise<HostSegment[]> {
  return (await listAllHostSegments(driver, image, labels)).filter((s) => s.key >>> 16 === HOST_KEY_PREFIX);
}

// /proc/sysvipc/shm: key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime ...
export function parseSysvipcShm(table: string): HostSegment[] {
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 14)
    .map((cols) => ({ key: Number(cols[0]), shmid: Number(cols[1]), size: Number(cols[3]), ctime: Number(cols[13]) }));
}
