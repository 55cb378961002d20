// Checks the CRI layer against real containerd 1.6 and 2.1 engines, then removes everything and stops what it started.
// Usage: npx tsc -p tsconfig.json && node dist/scripts/cri-smoke.js [containerd-1.6] [containerd-2.1]
// Checks: what survives a kubelet-style restart, pod sysctls, privilege on this host, the runtime's refusals.

import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { cgroupHierarchies } from '../src/cri/cgroup-folders.js';
import { type ContainerdEngine, provisionContainerd, type RunningContainerd, stopContainerd } from '../src/cri/containerd-provisioner.js';
import { CriClient } from '../src/cri/cri-client.js';
import { CriDriver } from '../src/cri/cri-driver.js';
import { importImage } from '../src/cri/oci-archive.js';
import { ensurePauseImage } from '../src/cri/pause-image.js';
import type { ContainerRequest } from '../src/engine/lab-driver.js';
import { readEnginesFile } from '../src/matrix/engines-file.js';
import type { ContainerSpec } from '../src/model/experiment.js';
import { C_SRC, FIXTURES, ROOT } from '../src/paths.js';

const PROGRAMS = ['idle', 'sysv-write', 'sysv-read', 'posix-write', 'posix-read'];
const APPLETS = ['sh', 'cat', 'echo', 'kill', 'sleep', 'ls', 'ipcs', 'test', '['];
const ALPHABET = 'a b c d e f g h i j k l m n o p q r s t u v w x y z';
const RUN_LABEL = 'org.shmlab.run';

let failures = 0;
const ms = (t: number) => `${Date.now() - t} ms`;

async function timed<T>(what: string, times: string[], op: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await op();
  } finally {
    times.push(`${what} ${ms(t)}`);
  }
}

function check(engine: string, label: string, ok: boolean, detail: string): void {
  if (!ok) failures++;
  console.log(`[${engine}] ${ok ? 'ok  ' : 'FAIL'} ${label}: ${detail}`);
}

/** The same context as the Docker images (fixtures' bin, sbin, etc + probe programs + busybox), programs compiled here. */
async function labContext(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'shmlab-cri-context-'));
  for (const sub of ['bin', 'sbin', 'etc']) if (existsSync(join(FIXTURES, sub))) cpSync(join(FIXTURES, sub), join(dir, sub), { recursive: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  await Promise.all(PROGRAMS.map((p) => execa('cc', ['-static', '-O2', '-s', '-o', join(dir, 'bin', p), `${p}.c`, 'common.c'], { cwd: C_SRC })));
  copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'));
  for (const applet of APPLETS) symlinkSync('busybox', join(dir, 'bin', applet));
  return dir;
}

async function smoke(engine: ContainerdEngine, context: string): Promise<void> {
  const { name } = engine;
  const say = (line: string) => console.log(`[${name}] ${line}`);
  const times: string[] = [];
  const daemon: RunningContainerd = await timed('provision', times, () => provisionContainerd(engine, say));
  const client = new CriClient(daemon.address);
  const driver = new CriDriver(client, { name, dataRoot: daemon.layout.home });
  const run = randomBytes(3).toString('hex');
  const handles = new Map<string, string>();
  try {
    const target = { client, ctr: daemon.bin.ctr, socket: daemon.layout.socket, lease: `smoke${run}` };
    const pause = await timed('pause image', times, () => ensurePauseImage(target));
    const lab = await timed('lab image', times, () =>
      importImage(target, { context, cmd: ['/bin/idle'], labels: { 'org.shmlab.image': 'lab' }, name: 'localhost/shmlab/lab:smoke' }),
    );
    say(`pause ${pause.id.slice(0, 19)} (${pause.imported ? 'imported' : 'present'}), lab ${lab.id.slice(0, 19)} (${lab.imported ? 'imported' : 'present'})`);
    for (const line of (await driver.describe()).lines) say(line);

    const request = (logicalName: string, spec: ContainerSpec): ContainerRequest => ({
      name: `shmlab-${run}-${logicalName}`,
      logicalName,
      spec,
      image: lab.id,
      labels: { [RUN_LABEL]: run },
      containerHandle: (l) => handles.get(l) ?? '',
      volumeName: (v) => `shmlab-${run}-${v}`,
      onCreated: (h) => handles.set(logicalName, h),
    });
    const start = async (logicalName: string, spec: ContainerSpec) => {
      const started = await timed(`run ${logicalName}`, times, () => driver.run(request(logicalName, spec)));
      handles.set(logicalName, started.handle);
      return started;
    };
    const exec = (logicalName: string, cmd: string[]) => timed(`exec ${cmd[0]}`, times, () => driver.exec(handles.get(logicalName)!, cmd));
    const restart = async (logicalName: string) => {
      const h = handles.get(logicalName)!;
      await timed('stop', times, () => driver.stop(h));
      await timed('start (new attempt)', times, () => driver.start(h));
    };

    // (a), (c), emptyDir: one pod, written before a kubelet-style restart, read after it.
    const app = await start('app', { volumes: [{ volume: 'data', target: '/data' }] });
    say(`crictl:\n${app.command}`);
    const w1 = await exec('app', ['/bin/sysv-write', '--key', '5678']);
    const w2 = await exec('app', ['/bin/posix-write', '--name', '/shmlab']);
    const w3 = await exec('app', ['/bin/sh', '-c', 'echo kept > /data/file']);
    check(name, 'writes', w1.exitCode === 0 && w2.exitCode === 0 && w3.exitCode === 0, `${w1.stdout.trim()}; ${w2.stdout.trim()}`);
    await restart('app');
    const view = await driver.inspect(handles.get('app')!);
    say(`inspect after restart: ${view.state}; ${view.lines.join('; ')}`);
    const r1 = await exec('app', ['/bin/sysv-read', '--key', '5678']);
    check(
      name,
      '(a) System V segment after stop + start in the same pod',
      r1.exitCode === 0 && r1.stdout.trim() === ALPHABET,
      `exit ${r1.exitCode} ${JSON.stringify(r1.stdout.trim() || r1.stderr.trim())}`,
    );
    const r2 = await exec('app', ['/bin/posix-read', '--name', '/shmlab']);
    check(
      name,
      '(c) /dev/shm object after stop + start',
      r2.exitCode === 0 && r2.stdout.trim() === ALPHABET,
      `exit ${r2.exitCode} ${JSON.stringify(r2.stdout.trim() || r2.stderr.trim())}`,
    );
    const r3 = await exec('app', ['/bin/cat', '/data/file']);
    check(
      name,
      'emptyDir file after stop + start',
      r3.exitCode === 0 && r3.stdout.trim() === 'kept',
      `exit ${r3.exitCode} ${JSON.stringify(r3.stdout.trim() || r3.stderr.trim())}`,
    );
    const logs = await driver.logs(handles.get('app')!);
    check(name, 'logs of both attempts', (logs.stdout.match(/idle: ready/g) ?? []).length === 2, JSON.stringify(logs.stdout));
    say(`transcript: ${driver.commandFor('exec', handles.get('app')!, ['/bin/sysv-read', '--key', '5678'])}`);
    say(`transcript: ${driver.commandFor('start', handles.get('app')!)}`);

    // (b) A new pod has its own IPC namespace.
    await start('other', {});
    const r4 = await exec('other', ['/bin/sysv-read', '--key', '5678']);
    check(name, '(b) System V segment in a new pod', r4.exitCode === 10, `exit ${r4.exitCode} ${JSON.stringify(r4.stderr.trim())}`);

    // The pod's IPC namespace is shared by a container created in it (ipc: container:app).
    await start('joined', { ipc: 'container:app' });
    const r5 = await exec('joined', ['/bin/sysv-read', '--key', '5678']);
    check(name, 'System V segment seen by a container of the same pod', r5.exitCode === 0, `exit ${r5.exitCode}`);

    // (d) A pod-level namespaced sysctl, before and after a restart.
    const tuned = await start('tuned', { sysctls: { 'kernel.shmmax': '33554432' } });
    const d1 = await exec('tuned', ['/bin/cat', '/proc/sys/kernel/shmmax']);
    await restart('tuned');
    const d2 = await exec('tuned', ['/bin/cat', '/proc/sys/kernel/shmmax']);
    check(
      name,
      '(d) pod sysctl kernel.shmmax=33554432 before / after restart',
      d1.stdout.trim() === '33554432' && d2.stdout.trim() === '33554432',
      `${d1.stdout.trim()} / ${d2.stdout.trim()} (grants: ${tuned.grants.join('; ')})`,
    );

    // Unprivileged: /proc/sys is read-only (the kubelet's default readonly_paths, which shmlab sends).
    const write = ['/bin/sh', '-c', 'echo 8192 > /proc/sys/kernel/shmmni && cat /proc/sys/kernel/shmmni'];
    const u = await exec('other', write);
    check(name, 'unprivileged: /proc/sys read-only', u.exitCode !== 0 && /read-only/i.test(u.stderr), `exit ${u.exitCode} ${JSON.stringify(u.stderr.trim())}`);

    // (e) Privileged, or the nearest equivalent when the host refuses it.
    const priv = await start('priv', { privileged: true });
    const e1 = await exec('priv', write);
    check(
      name,
      `(e) privileged: mode ${driver.privilege.mode}, /proc/sys writable`,
      e1.exitCode === 0 && e1.stdout.trim() === '8192',
      `exit ${e1.exitCode} ${JSON.stringify(e1.stdout.trim() || e1.stderr.trim())}`,
    );
    const caps = await exec('priv', ['/bin/sh', '-c', 'grep CapEff /proc/self/status']);
    say(`privileged refusal: ${priv.refusal ?? '(none: privileged ran)'}; grants: ${priv.grants.join('; ')}; ${caps.stdout.trim()}`);

    // (f) A sysctl that is not namespaced is refused by the runtime.
    let refused = '';
    try {
      await start('sysrq', { sysctls: { 'kernel.sysrq': '1' } });
    } catch (err) {
      refused = (err as Error).message;
    }
    check(name, '(f) pod sysctl kernel.sysrq=1 refused', refused !== '', refused || 'it was accepted');

    // Removal as the runner does it (the pod goes with its last container), then a later run's cleanup of pods left
    // by a run that was killed ('tuned' and 'priv' are left to it).
    for (const logical of ['app', 'joined', 'other']) await timed(`remove ${logical}`, times, () => driver.remove(handles.get(logical)!));
    const later = new CriDriver(client, { name, dataRoot: daemon.layout.home });
    const found = await timed('cleanupByLabel', times, () => later.cleanupByLabel(RUN_LABEL, (labels) => labels[RUN_LABEL] === run));
    const names = found.removed.sort();
    check(name, 'a later run removes what a killed run left', names.join() === [`shmlab-${run}-priv`, `shmlab-${run}-tuned`].join(), names.join(', '));
    for (const h of [handles.get('tuned')!, handles.get('priv')!]) await driver.remove(h); // already gone: not found is fine
    handles.clear();
  } finally {
    const t = Date.now();
    for (const h of new Set(handles.values())) await driver.remove(h).catch((err) => say(`remove ${h}: ${(err as Error).message}`));
    const stale = await driver.cleanupByLabel(RUN_LABEL, (labels) => labels[RUN_LABEL] === run);
    driver.removeCgroupRoot();
    times.push(`cleanup ${ms(t)}`);
    const pods = await client.listPodSandbox().catch(() => []);
    const containers = await client.listContainers().catch(() => []);
    const folders = (sub: string) => (existsSync(join(daemon.layout.home, sub)) ? readdirSync(join(daemon.layout.home, sub)) : []);
    const emptyDirs = [...folders('emptydir'), ...folders('pods')];
    const cgroups = cgroupHierarchies().filter((h) => existsSync(join(h, 'shmlab', name)));
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .filter((l) => l.includes(daemon.layout.home));
    check(
      name,
      'nothing left',
      pods.length + containers.length + emptyDirs.length + cgroups.length + mounts.length === 0 && stale.removed.length + stale.left.length === 0,
      `pods ${pods.length}, containers ${containers.length}, emptyDir/log folders ${emptyDirs.length}, cgroup folders ${cgroups.length}, mounts ${mounts.length}, stale found ${stale.removed.length + stale.left.length}`,
    );
    client.close();
    if (daemon.startedHere) await timed('stop daemon', times, () => stopContainerd(name));
    say(`timings: ${times.join(', ')}`);
  }
}

// The containerd engines of engines.json, or those of them named on the command line.
const named = process.argv.slice(2);
const engines = readEnginesFile(join(ROOT, 'engines.json'))
  .filter((e) => e.kind === 'containerd' && e.from !== undefined && (named.length === 0 || named.includes(e.name)))
  .map((e) => ({ name: e.name, from: e.from! }));
const context = await labContext();
try {
  for (const engine of engines) {
    try {
      await smoke(engine, context);
    } catch (err) {
      failures++;
      console.log(`[${engine.name}] FAIL ${(err as Error).stack ?? err}`);
    }
  }
} finally {
  rmSync(context, { recursive: true, force: true });
}
console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exitCode = failures ? 1 : 0;
