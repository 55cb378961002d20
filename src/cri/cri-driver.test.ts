// The kubelet-style lifecycle of CriDriver against a scripted runtime: pods, restarts as new attempts, privilege fallback.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PodClaim } from '../lab/process-lease.js';
import { CAPS, dataRoot, type FakeRuntime, removeDataRoot, setup } from './fake-runtime.test.kit.js';

afterEach(removeDataRoot);

describe('CriDriver', () => {
  it('gives each container its own pod, with its sysctls and IPC mode at pod level', async () => {
    const { runtime, run } = setup();
    const a = await run('a', { ipc: 'host', sysctls: { 'kernel.shmmax': '33554432' }, shmSizeBytes: 1024 }, { skipAdmission: true });
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
      "# sent without the admission shmlab applies in the kubelet's place",
    ]);
  });

  it('refuses, before any CRI call, a pod the API server or the kubelet would refuse, in their words', async () => {
    const { runtime, run } = setup();
    let said = '';
    await expect(run('a', { ipc: 'host', sysctls: { 'kernel.shmmax': '33554432' } }, { onCommand: (c) => (said = c) })).rejects.toMatchObject({
      name: 'AdmissionRefusal',
      message: expect.stringMatching(
        /^spec\.securityContext\.sysctls\[0\]\.name: Invalid value: "kernel\.shmmax": may not be specified when 'hostIPC' is true \(the API server's validation/,
      ),
    });
    await expect(run('b', { sysctls: { 'kernel.sysrq': '1' } })).rejects.toThrow(/^forbidden sysctl: "kernel\.sysrq" not allowlisted \(SysctlForbidden/);
    expect(runtime.pods.size).toBe(0);
    expect(said).toMatch(/refused before any CRI call \(shmlab applies the cluster's checks in their place\)/);
    // Safe and allowed-unsafe IPC sysctls in a pod of its own pass.
    await run('c', { sysctls: { 'kernel.shm_rmid_forced': '1', 'kernel.shmmax': '33554432', 'kernel.sem': '1 2 3 4', 'fs.mqueue.msg_max': '20' } });
    expect(runtime.pods.size).toBe(1);
  });

  it('gives each pod with hostUsers: false its own block of host ids and network namespace, and refuses it hostIPC', async () => {
    const { runtime, run } = setup();
    await run('a', { hostUsers: false });
    await run('b', { hostUsers: false, procMount: 'Unmasked' });
    const [a, b] = [...runtime.pods.values()].map((p) => p.config.linux.security_context?.namespace_options);
    expect(a).toMatchObject({ network: 'POD', userns_options: { mode: 'POD', uids: [{ host_id: 65536, container_id: 0, length: 65536 }] } });
    expect(b?.userns_options?.gids).toEqual([{ host_id: 131072, container_id: 0, length: 65536 }]);
    const unmasked = [...runtime.containers.values()].find((c) => c.config.metadata.name === 'b')!.config.linux?.security_context;
    expect({ masked: unmasked?.masked_paths, readonly: unmasked?.readonly_paths }).toEqual({ masked: [], readonly: [] });
    await expect(run('c', { hostUsers: false, ipc: 'host' })).rejects.toThrow(
      /^spec\.HostIPC: Forbidden: when `pod\.Spec\.HostUsers` is false \(the API server's validation/,
    );
    expect(runtime.pods.size).toBe(2);
  });

  it('re-creates a dead sandbox as the kubelet does: same pod uid, attempt + 1, its containers again with attempt + 1', async () => {
    const { runtime, driver, run } = setup();
    const { handle } = await run('a');
    const [first] = [...runtime.pods.values()];
    const said = await driver.recreateSandbox(handle);
    const pods = [...runtime.pods.values()];
    expect(pods).toHaveLength(1);
    expect(pods[0]!.config.metadata).toEqual({ ...first!.config.metadata, attempt: 1 });
    expect(said).toMatch(/new sandbox \S+ for the same pod \(uid [0-9a-f-]+, attempt 1\); a attempt 1$/);
  });

  it('a re-creation the runtime refuses half-way leaves nothing once the container is removed', async () => {
    const { runtime, driver, run } = setup();
    const { handle } = await run('a');
    runtime.refuseSandbox = true;
    await expect(driver.recreateSandbox(handle)).rejects.toThrow(/refused/);
    runtime.refuseSandbox = false;
    await driver.remove(handle);
    expect({ pods: runtime.pods.size, containers: runtime.containers.size }).toEqual({ pods: 0, containers: 0 });
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
    // In the runtime's terms, blaming neither the host nor an engine it is not.
    expect(driver.privilege.reason).toBe(
      `this runtime could not start a privileged container on this host (the runtime said: "${CAPS}"), so the privileged experiments use the nearest equivalent: CAP_SYS_ADMIN and no read-only or masked paths (capabilities.add_capabilities [SYS_ADMIN], masked_paths [] and readonly_paths [])`,
    );
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

  it('learns nothing from a privileged container that failed for another reason: unknown until the next one tells', async () => {
    const { runtime, driver, run } = setup();
    runtime.failingPrivileged = 1;
    runtime.refusePrivileged = true;
    await expect(run('p1', { privileged: true })).rejects.toThrow('no such file or directory');
    // Not "not needed": a privileged container was tried; nor the equivalent: the runtime's answer said nothing of privilege.
    expect(driver.privilege).toEqual({
      mode: 'unknown',
      reason: 'a privileged container failed to start for another reason: exec: "/bin/idle": stat /bin/idle: no such file or directory',
    });
    const second = await run('p2', { privileged: true });
    expect(second.refusal).toBe(CAPS);
    expect(driver.privilege.mode).toBe('equivalent');
    // The failed attempt was removed with its pod, as a refused one is.
    expect(runtime.calls.filter((c) => c.startsWith('runp') || c.startsWith('rmp'))).toEqual([
      'runp run-p1 privileged',
      'rmp p1',
      'runp run-p2 privileged',
      'rmp p3',
      'runp run-p2',
    ]);
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
        runtime: 'tcp://fake-runtime',
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
});
