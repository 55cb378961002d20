// A scripted CRI runtime and a CriDriver on it, for the driver's tests and its pods' removal. Named *.test.kit.ts: tsc
// checks it, vitest does not run it as a test file, and the package leaves it out (as every *.test.* file).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerRequest } from '../engine/lab-driver.js';
import type { ContainerSpec } from '../model/experiment.js';
import { type CriClient, CriError } from './cri-client.js';
import { CriDriver, type CriDriverOptions } from './cri-driver.js';
import type { ContainerConfig, PodSandboxConfig } from './cri-types.js';

export const CAPS =
  'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to apply caps: operation not permitted: unknown';

// Just enough of a CRI runtime: records the calls, refuses privileged containers when asked to.
export class FakeRuntime {
  /** A runtime elsewhere: no shim of it runs on this machine. */
  readonly address = 'tcp://fake-runtime';
  calls: string[] = [];
  pods = new Map<string, { config: PodSandboxConfig; ready: boolean }>();
  containers = new Map<string, { pod: string; config: ContainerConfig; running: boolean }>();
  refusePrivileged = false;
  /** Privileged containers that fail to start for a reason that has nothing to do with privilege. */
  failingPrivileged = 0;
  /** How many StopPodSandbox calls fail before one succeeds (a runtime past its deadline). */
  failingStops = 0;
  /** How long a RemoveContainer takes; meanwhile another removal of the same container is refused, as containerd does. */
  removalMs = 0;
  refuseSandbox = false;
  private readonly removing = new Set<string>();
  private n = 0;

  async runPodSandbox(config: PodSandboxConfig) {
    const id = `p${++this.n}`;
    this.calls.push(`runp ${config.metadata.name}${config.linux.security_context?.privileged ? ' privileged' : ''}`);
    if (this.refuseSandbox) throw new CriError('RunPodSandbox', 'UNKNOWN', 'failed to create containerd task: refused');
    this.pods.set(id, { config, ready: true });
    return id;
  }
  async createContainer(pod: string, config: ContainerConfig) {
    const id = `c${++this.n}`;
    this.calls.push(`create ${config.metadata.name}#${config.metadata.attempt} in ${pod}`);
    this.containers.set(id, { pod, config, running: false });
    return id;
  }
  async startContainer(id: string) {
    this.calls.push(`start ${id}`);
    const c = this.containers.get(id)!;
    if (this.failingPrivileged > 0 && c.config.linux?.security_context?.privileged && this.failingPrivileged--)
      throw new CriError('StartContainer', 'UNKNOWN', 'exec: "/bin/idle": stat /bin/idle: no such file or directory');
    if (this.refusePrivileged && c.config.linux?.security_context?.privileged) throw new CriError('StartContainer', 'UNKNOWN', CAPS);
    c.running = true;
  }
  async stopContainer(id: string, timeout: number) {
    this.calls.push(`stop ${id} ${timeout}`);
    this.containers.get(id)!.running = false;
  }
  async removeContainer(id: string) {
    this.calls.push(`rm ${id}`);
    if (this.removing.has(id))
      throw new CriError('RemoveContainer', 'UNKNOWN', `failed to set removing state for container "${id}": container is already in removing state`);
    this.removing.add(id);
    await new Promise((r) => setTimeout(r, this.removalMs));
    this.removing.delete(id);
    if (!this.containers.delete(id)) throw new CriError('RemoveContainer', 'NOT_FOUND', `container "${id}" not found`);
  }
  async stopPodSandbox(id: string) {
    this.calls.push(`stopp ${id}`);
    if (this.failingStops > 0 && this.failingStops--) throw new CriError('StopPodSandbox', 'DEADLINE_EXCEEDED', 'context deadline exceeded');
  }
  async removePodSandbox(id: string) {
    this.calls.push(`rmp ${id}`);
    this.pods.delete(id);
  }
  async listPodSandbox(filter: { label_selector?: Record<string, string> } = {}) {
    return [...this.pods.entries()]
      .filter(([, p]) => Object.entries(filter.label_selector ?? {}).every(([k, v]) => p.config.labels?.[k] === v))
      .map(([id, p]) => ({ id, metadata: p.config.metadata, labels: p.config.labels ?? {}, state: 'SANDBOX_READY' }));
  }
  async listContainers(filter: { pod_sandbox_id?: string } = {}) {
    return [...this.containers.entries()].filter(([, c]) => !filter.pod_sandbox_id || c.pod === filter.pod_sandbox_id).map(([id]) => ({ id }));
  }
  async imageStatus(image: string) {
    return image === 'sha256:missing' ? null : { id: image };
  }
  async execSync(id: string, cmd: string[]) {
    this.calls.push(`exec ${id} ${cmd.join(' ')}`);
    return { stdout: Buffer.from('out'), stderr: Buffer.from(''), exit_code: 0 };
  }
}

/** The data folder of the last driver `setup` made (each test makes one); `removeDataRoot` after each test. */
export let dataRoot = '';
export const removeDataRoot = () => rmSync(dataRoot, { recursive: true, force: true });

/** A CriDriver on a FakeRuntime, and `run`, which starts a container of the experiment by its logical name. */
export function setup(options: Partial<CriDriverOptions> = {}) {
  dataRoot = mkdtempSync(join(tmpdir(), 'shmlab-cri-driver-'));
  const runtime = new FakeRuntime();
  const driver = new CriDriver(runtime as unknown as CriClient, { name: 'fake', dataRoot, cgroupRoot: `/shmlab-unit-${process.pid}`, ...options });
  const handles = new Map<string, string>();
  const run = (logicalName: string, spec: ContainerSpec = {}, extra: Partial<ContainerRequest> = {}) => {
    const request: ContainerRequest = {
      ...extra,
      name: `run-${logicalName}`,
      logicalName,
      spec,
      image: 'sha256:1234',
      labels: { 'org.shmlab.run': 'r1' },
      containerHandle: (l) => handles.get(l)!,
      volumeName: (v) => `r1-${v}`,
      onCreated: (h) => handles.set(logicalName, h),
    };
    return driver.run(request);
  };
  return { runtime, driver, run };
}
