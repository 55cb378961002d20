// The kernel the containers see: a sandboxing runtime (gVisor) answers with its own, not the host's.
import type { LabDriver } from '../engine/lab-driver.js';
import type { ResourceTracker } from '../lab/resource-tracker.js';

/** Reads /proc/sys/kernel/osrelease in a short-lived container of the lab image; undefined (with why) if it cannot. */
export async function probeContainerKernel(
  driver: LabDriver,
  image: string,
  name: string,
  labels: Record<string, string>,
  resources: ResourceTracker,
  signal?: AbortSignal,
): Promise<{ kernel?: string; why?: string }> {
  const scope = resources.child();
  try {
    const started = await driver.run({
      name,
      logicalName: 'kernel-probe',
      spec: {},
      image,
      labels,
      containerHandle: () => {
        throw new Error('the kernel probe joins no other container');
      },
      volumeName: (v) => v,
      onCreated: (handle) => scope.add('containers', handle),
    });
    // gVisor 2024 has no /proc/sys/kernel/osrelease; /proc/version names the release as well ("Linux version 4.4.0 …").
    const reading = driver.exec(started.handle, ['sh', '-c', 'cat /proc/sys/kernel/osrelease 2>/dev/null || cat /proc/version']);
    // A signal ends the wait: the run is stopping, and the probe is only for the report's environment.
    reading.catch(() => {});
    if (signal?.aborted) return { why: 'interrupted' };
    const read = await Promise.race([
      reading,
      new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(new Error('interrupted')), { once: true })),
    ]);
    const text = read.stdout.trim();
    const kernel = /^Linux version (\S+)/.exec(text)?.[1] ?? text;
    return read.exitCode === 0 && kernel ? { kernel } : { why: `reading it exited ${read.exitCode}: ${read.stderr.trim()}` };
  } catch (err) {
    return { why: (err as Error).message };
  } finally {
    await scope.cleanup();
  }
}
