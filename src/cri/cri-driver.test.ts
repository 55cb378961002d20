// The kubelet-style lifecycle of CriDriver against a scripted runtime: pods, restarts as new attempts, privilege fallback.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerRequest } from '../engine/lab-driver.js';
import type { PodClaim } from '../lab/process-lease.js';
import { ResourceTracker } from '../lab/resource-tracker.js';
import type { ContainerSpec } from '../model/experiment.js';
import { cgroupHierarchies, removeEmptyCgroupFolder } from './cgroup-folders.js';
import { type ContainerConfig, type CriClient, CriError, type PodSandboxConfig } from './cri-client.js';
import { CriDriver, type CriDriverOptions } from './cri-driver.js';

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

let dataRoot = '';
afterEach(() => rmSync(dataRoot, { recursive: true, force: true }));

function setup(options: Partial<CriDriverOptions> = {}) {
  dataRoot = mkdtempSync(join(tmpdir(), 'shmlab-cri-driver-'));
  const runtime = new FakeRuntime();
  const driver = new CriDriver(runtime as unknown as CriClient, { name: 'fake', dataRoot, cgroupRoot: `/shmlab-unit-${process.pid}`, ...options });
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
    expect(a.grants[0]).toBe("network: the node's (namespace_options.network NODE), i.e. the runtime daemon's network namespace");
    expect(a.grants).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/IPC namespace: host/),
        'sysctl kernel.shmmax=33554432 (pod-level)',
        expect.stringMatching(/shm size 1024: not applicable/),
      ]),
    );
    // What shmlab did on the host in the kubelet's place, each config as a here-document (one field a line), then the
    // crictl commands that use it, in the order done.
    const lines = a.command.split('\n');
    const logs = join(dataRoot, 'pods', 'run-a');
    expect(lines[0]).toBe(`mkdir -p ${logs}    # shmlab, as the kubelet would: the pod's log folder`);
    expect(lines[1]).toBe("cat > pod-a.json <<'JSON'");
    const podJson = a.command.slice(a.command.indexOf("<<'JSON'\n") + 8, a.command.indexOf('\nJSON\n'));
    expect(JSON.parse(podJson).metadata.name).toBe(pod.metadata.name);
    const steps = lines.filter((l) => !l.startsWith(' ') && !/^[{}]$/.test(l) && l !== 'JSON');
    expect(steps).toEqual([
      `mkdir -p ${logs}    # shmlab, as the kubelet would: the pod's log folder`,
      "cat > pod-a.json <<'JSON'",
      'POD_A=$(crictl runp pod-a.json)',
      `mkdir -p ${join(logs, 'a')}    # shmlab, as the kubelet would: the container's log folder`,
      "cat > a.json <<'JSON'",
      'CTR_A=$(crictl create "$POD_A" a.json pod-a.json) && crictl start "$CTR_A"',
      expect.stringMatching(/^# shm size 1024: not applicable/),
    ]);
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
    const uid = [...runtime.pods.values()][0]!.config.metadata.uid;
    expect(driver.commandFor('remove', b.handle).split('\n')).toEqual([
      'crictl rm -f "$CTR_B" && crictl stopp "$POD_A" && crictl rmp "$POD_A"',
      `rm -rf ${join(dataRoot, 'emptydir', 'run-a')} ${join(dataRoot, 'pods', 'run-a')}    # shmlab, as the kubelet would: the pod's emptyDir and log folders`,
      `rmdir $(find /sys/fs/cgroup/*/shmlab-unit-${process.pid}/pod${uid} -depth -type d)    # shmlab, as the kubelet would: the pod's cgroup folders, which runc leaves`,
    ]);
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
    expect(await driver.cleanupByLabel('org.shmlab.run', (l) => l['org.shmlab.run'] === 'dead')).toEqual({ removed: ['old'], left: [], ended: [] });
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

  it('joins a removal under way: cleanup after a remove step a signal abandoned removes the pod, refused by nobody', async () => {
    const { runtime, driver, run } = setup();
    const { handle } = await run('app', { volumes: [{ volume: 'data', target: '/data' }] });
    runtime.removalMs = 50;
    // The remove step's wait, ended by a signal: its call goes on while the run cleans up.
    const abandoned = driver.remove(handle);
    const tracker = new ResourceTracker(driver);
    tracker.add('containers', handle);
    expect(await tracker.cleanup()).toEqual([]);
    // Done when cleanup is: the process may exit right after it.
    expect(runtime.pods.size).toBe(0);
    expect(existsSync(join(dataRoot, 'emptydir', 'run-app'))).toBe(false);
    await abandoned;
  });

  it('records each pod before asking for it, and gives the record up once the pod and its folders are gone', async () => {
    const claims: PodClaim[] = [];
    let runtime!: FakeRuntime;
    const recorder = {
      claimPod: (pod: PodClaim) => {
        // Nothing exists yet: neither the pod nor its folders.
        runtime.calls.push(`claim ${pod.name} ${existsSync(pod.folders[1]!) ? 'after' : 'before'} its folders`);
        claims.push(pod);
      },
      releasePod: (uid: string) => runtime.calls.push(`release ${uid}`),
    };
    const made = setup({ claims: recorder });
    runtime = made.runtime;
    const { handle } = await made.run('app', { volumes: [{ volume: 'data', target: '/data' }] });
    const { uid } = [...runtime.pods.values()][0]!.config.metadata;
    expect(runtime.calls.slice(0, 2)).toEqual(['claim run-app before its folders', 'runp run-app']);
    expect(claims).toEqual([
      {
        runtime: undefined,
        name: 'run-app',
        uid,
        cgroupParent: `/shmlab-unit-${process.pid}/pod${uid}`,
        folders: [join(dataRoot, 'emptydir', 'run-app'), join(dataRoot, 'pods', 'run-app')],
      },
    ]);
    await made.driver.remove(handle);
    expect(runtime.calls.slice(-2)).toEqual(['rmp p1', `release ${uid}`]);

    // A pod the runtime refused: removed with what was made for it, and its record given up too.
    runtime.refuseSandbox = true;
    runtime.calls = [];
    await expect(made.run('refused')).rejects.toThrow('refused');
    const refused = claims.at(-1)!;
    expect(runtime.calls).toEqual([`claim run-refused before its folders`, 'runp run-refused', `release ${refused.uid}`]);
    expect(existsSync(refused.folders[1]!)).toBe(false);
  });

  it('says in its grants whose network the pods have, and that an emptyDir is a host folder shmlab made as the kubelet would', async () => {
    const { run } = setup({ network: "its own, not the host's, with loopback only (shmlab started the daemon there)" });
    const { grants } = await run('app', { volumes: [{ volume: 'data', target: '/data' }] });
    expect(grants).toEqual([
      "network: the node's (namespace_options.network NODE), i.e. the runtime daemon's network namespace — here its own, not the host's, with loopback only (shmlab started the daemon there)",
      'emptyDir data at /data (a host folder shmlab made for the pod, as the kubelet would; removed with the pod)',
    ]);
  });

  it("shows what it does on the host in the kubelet's place: the emptyDir's folder and, for medium: Memory, its tmpfs", async () => {
    const { run, driver } = setup();
    const started = await run('app', { volumes: [{ volume: 'memory', target: '/memory', medium: 'Memory', sizeBytes: 1048576 }] });
    const folder = join(dataRoot, 'emptydir', 'run-app', 'r1-memory');
    try {
      const lines = started.command.split('\n');
      const runp = lines.indexOf('POD_APP=$(crictl runp pod-app.json)');
      expect(lines.slice(runp + 1, runp + 4)).toEqual([
        `mkdir -p ${folder}    # shmlab, as the kubelet would: the emptyDir's folder`,
        `mount -t tmpfs -o size=1048576,mode=0777 tmpfs ${folder}    # shmlab, as the kubelet would for medium: Memory`,
        `mkdir -p ${join(dataRoot, 'pods', 'run-app', 'app')}    # shmlab, as the kubelet would: the container's log folder`,
      ]);
      expect(readFileSync('/proc/mounts', 'utf8')).toContain(` ${folder} tmpfs `);
      expect(started.grants).toContain(
        'emptyDir memory (medium: Memory) at /memory (a tmpfs of 1048576 bytes shmlab mounted on a host folder it made for the pod, as the kubelet would; removed with the pod)',
      );
      expect(driver.commandFor('remove', started.handle).split('\n')[1]).toBe(
        `umount ${folder}    # shmlab, as the kubelet would: the emptyDir's tmpfs (medium: Memory)`,
      );
    } finally {
      await driver.remove(started.handle);
    }
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(folder);
  });

  it('removes the pods a dead run recorded, listed or not, ending what is left in their cgroups, and says which records are done', async () => {
    const { runtime, driver } = setup();
    const listed = driver.traceOf('dead-1', 'u1');
    const unlisted = driver.traceOf('dead-2', 'u2');
    runtime.pods.set('x1', {
      config: { metadata: { name: 'dead-1', uid: 'u1', namespace: 'shmlab', attempt: 0 }, hostname: '', log_directory: '', labels: {}, linux: {} },
      ready: true,
    });
    for (const folder of [...listed.folders, ...unlisted.folders]) mkdirSync(join(folder, 'x'), { recursive: true });
    // The pod whose RunPodSandbox never returned left a process in its cgroup (as a `runc init` would be).
    const hierarchy = cgroupHierarchies().find((h) => h.endsWith('/pids')) ?? cgroupHierarchies()[0]!;
    const cgroup = join(hierarchy, unlisted.cgroupParent, 'ctr');
    mkdirSync(cgroup, { recursive: true });
    const lost = spawn('sleep', ['600'], { stdio: 'ignore' });
    writeFileSync(join(cgroup, 'cgroup.procs'), String(lost.pid));
    const exited = new Promise((r) => lost.on('exit', r));
    // And one killed right after its record was written: nothing of it to remove, its record goes all the same.
    const never = driver.traceOf('dead-3', 'u3');
    const recorded = [listed, unlisted, never].map((trace, i) => ({ runtime: 'unix:///fake.sock', name: `dead-${i + 1}`, uid: `u${i + 1}`, ...trace }));
    expect(await driver.removeRecordedPods(recorded)).toEqual({
      removed: ['dead-1', 'dead-2'],
      left: [],
      ended: [`sleep 600 (pid ${lost.pid})`],
      done: ['u1', 'u2', 'u3'],
    });
    await exited;
    expect(runtime.calls).toEqual(['stopp x1', 'rmp x1']);
    expect([...listed.folders, ...unlisted.folders, cgroup, join(hierarchy, unlisted.cgroupParent)].filter(existsSync)).toEqual([]);
    removeEmptyCgroupFolder(`/shmlab-unit-${process.pid}`);
  });
});
