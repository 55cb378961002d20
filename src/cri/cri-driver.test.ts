// The kubelet-style lifecycle of CriDriver against a scripted runtime: pods, restarts as new attempts, privilege fallback.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerRequest } from '../engine/lab-driver.js';
import type { ContainerSpec } from '../model/experiment.js';
import { type ContainerConfig, type CriClient, CriError, type PodSandboxConfig } from './cri-client.js';
import { CriDriver } from './cri-driver.js';

const CAPS =
  'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to apply caps: operation not permitted: unknown';

// Just enough of a CRI runtime: records the calls, refuses privileged containers when asked to.
class FakeRuntime {
  calls: string[] = [];
  pods = new Map<string, { config: PodSandboxConfig; ready: boolean }>();
  containers = new Map<string, { pod: string; config: ContainerConfig; running: boolean }>();
  refusePrivileged = false;
  /** How many StopPodSandbox calls fail before one succeeds (a runtime past its deadline). */
  failingStops = 0;
  private n = 0;

  async runPodSandbox(config: PodSandboxConfig) {
    const id = `p${++this.n}`;
    this.calls.push(`runp ${config.metadata.name}${config.linux.security_context?.privileged ? ' privileged' : ''}`);
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
    if (this.refusePrivileged && c.config.linux?.security_context?.privileged) throw new CriError('StartContainer', 'UNKNOWN', CAPS);
    c.running = true;
  }
  async stopContainer(id: string, timeout: number) {
    this.calls.push(`stop ${id} ${timeout}`);
    this.containers.get(id)!.running = false;
  }
  async removeContainer(id: string) {
    this.calls.push(`rm ${id}`);
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

let dataRoot = '';
afterEach(() => rmSync(dataRoot, { recursive: true, force: true }));

function setup() {
  dataRoot = mkdtempSync(join(tmpdir(), 'shmlab-cri-driver-'));
  const runtime = new FakeRuntime();
  const driver = new CriDriver(runtime as unknown as CriClient, { name: 'fake', dataRoot, cgroupRoot: `/shmlab-unit-${process.pid}` });
  const handles = new Map<string, string>();
  const run = (logicalName: string, spec: ContainerSpec = {}) => {
    const request: ContainerRequest = {
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

describe('CriDriver', () => {
  it('gives each container its own pod, with its sysctls and IPC mode at pod level', async () => {
    const { runtime, run } = setup();
    const a = await run('a', { ipc: 'host', sysctls: { 'kernel.shmmax': '33554432' }, shmSizeBytes: 1024 });
    const pod = [...runtime.pods.values()][0]!.config;
    expect(pod.linux.security_context?.namespace_options).toEqual({ network: 'NODE', pid: 'CONTAINER', ipc: 'NODE' });
    expect(pod.linux.sysctls).toEqual({ 'kernel.shmmax': '33554432' });
    expect(pod.hostname).toBe('');
    expect(a.grants).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/IPC namespace: host/),
        'sysctl kernel.shmmax=33554432 (pod-level)',
        expect.stringMatching(/shm size 1024: not applicable/),
      ]),
    );
    // Each config as a here-document (one field a line), then the crictl commands that use it.
    const lines = a.command.split('\n');
    expect(lines[0]).toBe("cat > pod-a.json <<'JSON'");
    expect(JSON.parse(a.command.slice(a.command.indexOf('\n') + 1, a.command.indexOf('\nJSON\n'))).metadata.name).toBe(pod.metadata.name);
    expect(lines).toContain('POD_A=$(crictl runp pod-a.json)');
    expect(lines).toContain("cat > a.json <<'JSON'");
    expect(lines).toContain('CTR_A=$(crictl create "$POD_A" a.json pod-a.json) && crictl start "$CTR_A"');
    expect(lines.at(-1)).toMatch(/^# shm size 1024: not applicable/);
  });

  it('restarts as the kubelet does: the old container goes, attempt + 1 in the same pod, same handle', async () => {
    const { runtime, driver, run } = setup();
    const { handle } = await run('a');
    await driver.stop(handle);
    runtime.calls = [];
    await driver.start(handle);
    await driver.exec(handle, ['true']);
    expect(runtime.calls).toEqual(['rm c2', 'create a#1 in p1', 'start c3', 'exec c3 true']);
    await driver.kill(handle);
    expect(runtime.calls.at(-1)).toBe('stop c3 0');
  });

  it('creates a container that joins another one IPC namespace in that pod, and removes the pod with its last container', async () => {
    const { runtime, driver, run } = setup();
    const a = await run('a', { ipc: 'shareable', volumes: [{ volume: 'data', target: '/data' }] });
    const b = await run('b', { ipc: 'container:a' });
    expect(runtime.calls.filter((c) => c.startsWith('runp'))).toEqual(['runp run-a']);
    expect(b.command).not.toContain('crictl runp');
    expect(b.command).toContain('crictl create "$POD_A" b.json pod-a.json');
    const emptyDir = join(dataRoot, 'emptydir', 'run-a', 'r1-data');
    expect(existsSync(emptyDir)).toBe(true);
    expect(driver.commandFor('remove', a.handle)).toBe('crictl rm -f "$CTR_A"');
    await driver.remove(a.handle);
    expect(runtime.pods.size).toBe(1);
    expect(driver.commandFor('remove', b.handle)).toBe('crictl rm -f "$CTR_B" && crictl stopp "$POD_A" && crictl rmp "$POD_A"');
    await driver.remove(b.handle);
    expect(runtime.pods.size).toBe(0);
    expect(existsSync(emptyDir)).toBe(false);
  });

  it('falls back to the nearest equivalent once, when the runtime refuses privileged for lack of capabilities', async () => {
    const { runtime, driver, run } = setup();
    runtime.refusePrivileged = true;
    const [first, second] = await Promise.all([run('p1', { privileged: true }), run('p2', { privileged: true })]);
    expect(first.refusal).toBe(CAPS);
    expect(second.refusal).toBeUndefined();
    expect(driver.privilege.mode).toBe('equivalent');
    expect(driver.privilege.reason).toContain('unable to apply caps');
    // The refused attempt was removed, pod included; every later pod and container is unprivileged with the equivalent.
    expect(runtime.calls.filter((c) => c.startsWith('runp'))).toEqual(['runp run-p1 privileged', 'runp run-p1', 'runp run-p2']);
    expect(runtime.calls).toContain('rmp p1');
    const configs = [...runtime.containers.values()].map((c) => c.config.linux?.security_context);
    expect(configs).toEqual([
      expect.objectContaining({ capabilities: { add_capabilities: ['SYS_ADMIN'] }, masked_paths: [], readonly_paths: [] }),
      expect.objectContaining({ capabilities: { add_capabilities: ['SYS_ADMIN'] }, masked_paths: [], readonly_paths: [] }),
    ]);
    expect(second.grants.join()).toContain('CAP_SYS_ADMIN');
  });

  it("sends the kubelet's default masked and read-only paths for an unprivileged container", async () => {
    const { runtime, run } = setup();
    await run('a');
    const sc = [...runtime.containers.values()][0]!.config.linux?.security_context;
    expect(sc?.readonly_paths).toContain('/proc/sys');
    expect(sc?.masked_paths).toContain('/proc/kcore');
    expect(sc?.privileged).toBeUndefined();
  });

  it('refuses an image the runtime does not hold, before creating anything', async () => {
    const { runtime, driver } = setup();
    const request = {
      name: 'x',
      logicalName: 'x',
      spec: {},
      image: 'sha256:missing',
      labels: {},
      containerHandle: () => '',
      volumeName: (v: string) => v,
      onCreated: () => {},
    };
    await expect(driver.run(request)).rejects.toThrow('does not hold image sha256:missing');
    expect(runtime.calls).toEqual([]);
  });

  it('cleans up only the pods that the predicate calls stale', async () => {
    const { runtime, driver, run } = setup();
    await run('mine');
    runtime.pods.set('old', {
      config: {
        metadata: { name: 'old', uid: 'u', namespace: 'shmlab', attempt: 0 },
        hostname: '',
        log_directory: '',
        labels: { 'org.shmlab.run': 'dead' },
        linux: {},
      },
      ready: true,
    });
    expect(await driver.cleanupByLabel('org.shmlab.run', (l) => l['org.shmlab.run'] === 'dead')).toEqual(['old']);
    expect([...runtime.pods.keys()]).toEqual(['p1']);
  });

  it('keeps a container it could not remove with its pod known, so that the retry removes the pod', async () => {
    const { runtime, driver, run } = setup();
    const { handle } = await run('a');
    runtime.failingStops = 1;
    await expect(driver.remove(handle)).rejects.toThrow('context deadline exceeded');
    expect(runtime.pods.size).toBe(1);
    await driver.remove(handle);
    expect(runtime.pods.size).toBe(0);
  });
});
