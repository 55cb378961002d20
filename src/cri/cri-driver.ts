// The lab on a Kubernetes node runtime, driven over CRI the way the kubelet drives it (pods, restarts as new attempts).

import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pRetry from 'p-retry';
import type { ContainerRequest, ContainerView, ExecOutcome, LabDriver, StartedContainer } from '../engine/lab-driver.js';
import { CANNOT_APPLY_CAPS } from '../engine/privilege.js';
import type { PodClaim } from '../lab/process-lease.js';
import { LABEL_CRI_HANDLE as HANDLE_LABEL, LABEL_CRI_POD } from '../labels.js';
import type { ContainerState } from '../model/experiment.js';
import type { PrivilegeMode } from '../model/result.js';
import { cgroupExists, cgroupGlob, removeCgroupFolders, removeEmptyCgroupFolder } from './cgroup-folders.js';
import { type ContainerConfig, type ContainerSecurityContext, type CriClient, CriError, type NamespaceMode, type PodSandboxConfig } from './cri-client.js';
import { parseCriLog } from './cri-logs.js';
import * as crictl from './crictl-commands.js';
import { describeProcess, endProcesses, processesInCgroup } from './node-processes.js';
import { SANDBOX_IMAGE } from './pause-image.js';

/** Label of every pod and container shmlab creates: which pod (by name) it belongs to. */
export const POD_LABEL = LABEL_CRI_POD;

// What the kubelet sends for an unprivileged container (ProcMount Default): containerd applies none unless told.
export const DEFAULT_MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

type Privilege = 'none' | 'privileged' | 'equivalent';

/** Where the driver records each pod before asking for it (the process's lease), and gives the record up once it is gone. */
export interface PodClaims {
  claimPod(pod: PodClaim): void;
  releasePod(uid: string): void;
}

/** What shmlab made on the host for a pod: folders (emptyDir, tmpfs mounts under it, logs) and its cgroup parent. */
type HostTrace = Pick<PodClaim, 'folders' | 'cgroupParent'>;

/** What removing pods left, with the reason, and the processes it had to end (the runtime had lost them). */
export interface PodRemoval {
  removed: string[];
  left: string[];
  ended: string[];
}

export interface CriDriverOptions {
  /** The engine's name (e.g. containerd-1.6): part of the cgroup parent. */
  name: string;
  /** The daemon's data folder: pod logs go to <dataRoot>/pods/<pod>, emptyDir volumes to <dataRoot>/emptydir/<pod>/<volume>. */
  dataRoot: string;
  /** CRI runtime handler ('' = the runtime's default). */
  runtimeHandler?: string;
  /** The cgroup parent of all this driver's pods (each gets <cgroupRoot>/pod<uid>); default /shmlab/<name>. */
  cgroupRoot?: string;
  stopTimeoutSeconds?: number;
  execTimeoutSeconds?: number;
  /** The sandbox image the runtime is configured with; checked before the first pod, since a missing one would be pulled. */
  sandboxImage?: string;
  /** Each pod is recorded here before it is asked for, so that what a killed run made is found (its lease). */
  claims?: PodClaims;
  /** Whose network the pods' NODE network namespace is, for the grants (e.g. the runtime daemon's own, with loopback only). */
  network?: string;
}

interface Pod {
  id: string;
  name: string;
  uid: string;
  /** The logical name of the container it was made for: its shell variable in the transcript. */
  owner: string;
  config: PodSandboxConfig;
  members: Set<string>;
}

interface Entry {
  handle: string;
  logicalName: string;
  pod: Pod;
  config: ContainerConfig;
  /** The current attempt's container ('' until created). */
  containerId: string;
  /** Every attempt's log file: `docker logs` shows all starts, so does ours. */
  logPaths: string[];
}

export interface CriDescription {
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
  runtimeHandler: string;
  cgroupDriver: string;
  restrictOomScoreAdj?: boolean;
  /** `Key: value` lines for the report's environment. */
  lines: string[];
}

export class CriDriver implements LabDriver {
  readonly kind = 'cri';
  private readonly entries = new Map<string, Entry>();
  private readonly volumes = new Map<string, Record<string, string>>();
  private readonly cgroupRoot: string;
  private readonly stopTimeout: number;
  private readonly execTimeout: number;
  private learnt?: Promise<Privilege>;
  private readonly images = new Map<string, Promise<void>>();
  /** Removals under way, by handle: a second removal (cleanup after an abandoned step's) joins the first. */
  private readonly removing = new Map<string, Promise<void>>();
  /** Pods this driver recorded in its claims and has not yet removed entirely (by uid). */
  private readonly claimed = new Set<string>();
  private mode: PrivilegeMode = { mode: 'not needed' };

  constructor(
    readonly client: CriClient,
    private readonly options: CriDriverOptions,
  ) {
    this.cgroupRoot = options.cgroupRoot ?? `/shmlab/${options.name}`;
    this.stopTimeout = options.stopTimeoutSeconds ?? 10;
    this.execTimeout = options.execTimeoutSeconds ?? 60;
  }

  /** Whether privileged containers ran as such or as the nearest equivalent (learnt from the first one). */
  get privilege(): PrivilegeMode {
    return this.mode;
  }

  async run(request: ContainerRequest): Promise<StartedContainer> {
    if (!request.spec.privileged) return this.launch(request, 'none');
    if (this.learnt) return this.launch(request, await this.learnt);
    let decide!: (p: Privilege) => void;
    this.learnt = new Promise((resolve) => (decide = resolve));
    try {
      const started = await this.launch(request, 'privileged');
      this.mode = { mode: 'privileged' };
      decide('privileged');
      return started;
    } catch (err) {
      const words = (err as Error).message;
      if (!CANNOT_APPLY_CAPS.test(words)) {
        // Another failure tells nothing about privilege: the next privileged container tries again.
        this.learnt = undefined;
        decide('privileged');
        throw err;
      }
      this.mode = {
        mode: 'equivalent',
        reason: `this host cannot start a privileged container (the runtime said: "${words}"), so the privileged experiments use the nearest equivalent: CAP_SYS_ADMIN and no read-only or masked paths (capabilities.add_capabilities [SYS_ADMIN], masked_paths [] and readonly_paths [])`,
      };
      decide('equivalent');
      return { ...(await this.launch(request, 'equivalent')), refusal: words };
    }
  }

  // Creates the pod (unless the container joins another's) and the container, and starts it. A privileged attempt
  // that fails is undone here, so that the equivalent can be tried on a clean slate.
  private async launch(request: ContainerRequest, privilege: Privilege): Promise<StartedContainer> {
    const { spec } = request;
    const joined = spec.ipc?.startsWith('container:') ? spec.ipc.slice('container:'.length) : undefined;
    const host = joined ? this.entries.get(request.containerHandle(joined)) : undefined;
    if (joined && !host) throw new Error(`cannot join the pod of ${joined}: it is not running on this driver`);
    const grants = this.grantsOf(request, privilege);
    // Only images the runtime holds: CRI would pull a missing sandbox image, and there is no registry to pull from.
    await Promise.all([this.present(this.options.sandboxImage ?? SANDBOX_IMAGE), this.present(request.image)]);
    // What shmlab does on the host in the kubelet's place, as shell lines for the transcript, in the order done.
    const kubelet: string[] = [];
    const pod = host?.pod ?? (await this.createPod(request, privilege, kubelet));
    let config: ContainerConfig;
    try {
      config = this.containerConfig(request, pod, privilege, 0, kubelet);
    } catch (err) {
      // A pod made for this container and no container in it (an emptyDir that could not be mounted): not left behind.
      if (!host) await this.removePods([pod]).catch(() => undefined);
      throw err;
    }
    const entry: Entry = { handle: request.name, logicalName: request.logicalName, pod, config, containerId: '', logPaths: [] };
    pod.members.add(entry.handle);
    const firstTime = !this.entries.has(entry.handle);
    this.entries.set(entry.handle, entry);
    if (firstTime) request.onCreated(entry.handle);
    try {
      await this.createAndStart(entry, kubelet);
    } catch (err) {
      if (privilege === 'privileged') await this.remove(entry.handle).catch(() => undefined);
      throw err;
    }
    const names = crictl.crictlNames(request.logicalName, pod.owner);
    const notes =
      spec.shmSizeBytes !== undefined ? `\n# shm size ${spec.shmSizeBytes}: not applicable on CRI (no such setting; /dev/shm is the sandbox's tmpfs)` : '';
    return { handle: entry.handle, command: crictl.runCommand(names, pod.config, entry.config, !host, kubelet) + notes, grants };
  }

  private async createPod(request: ContainerRequest, privilege: Privilege, kubelet: string[]): Promise<Pod> {
    const { spec } = request;
    const name = request.name;
    const uid = randomUUID();
    const ipc: NamespaceMode = spec.ipc === 'host' ? 'NODE' : 'POD';
    const trace = this.traceOf(name, uid);
    const logDirectory = join(this.options.dataRoot, 'pods', name);
    // Recorded before anything exists: a run killed from here on leaves a pod (listed or not, if RunPodSandbox never
    // returned), its processes, cgroup and folders, which `clean` then finds by this record.
    this.options.claims?.claimPod({ runtime: this.client.address, name, uid, ...trace });
    this.claimed.add(uid);
    mkdirSync(logDirectory, { recursive: true });
    kubelet.push(crictl.asKubelet(`mkdir -p ${logDirectory}`, "the pod's log folder"));
    const config: PodSandboxConfig = {
      metadata: { name, uid, namespace: 'shmlab', attempt: 0 },
      // The node's network: no CNI needed; a pod without its own UTS namespace must not ask for a hostname.
      hostname: '',
      log_directory: logDirectory,
      labels: { ...request.labels, [POD_LABEL]: name },
      linux: {
        cgroup_parent: trace.cgroupParent,
        sysctls: { ...spec.sysctls },
        security_context: {
          namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc },
          privileged: privilege === 'privileged',
          seccomp: { profile_type: privilege === 'privileged' ? 'Unconfined' : 'RuntimeDefault' },
        },
      },
    };
    try {
      const id = await this.client.runPodSandbox(config, this.options.runtimeHandler ?? '');
      return { id, name, uid, owner: request.logicalName, config, members: new Set() };
    } catch (err) {
      // A refused sandbox may still be listed (NOTREADY): remove it, and what shmlab made for it in any case.
      const left = await this.client.listPodSandbox({ label_selector: { [POD_LABEL]: name } }).catch(() => []);
      await this.removePods([...left.filter((p) => p.metadata.uid === uid).map((p) => ({ id: p.id, name, uid })), { name, uid }]);
      throw err;
    }
  }

  private containerConfig(request: ContainerRequest, pod: Pod, privilege: Privilege, attempt: number, kubelet: string[]): ContainerConfig {
    const { spec } = request;
    const namespaceOptions = { ...pod.config.linux.security_context!.namespace_options! };
    const security: ContainerSecurityContext =
      privilege === 'privileged'
        ? { privileged: true, namespace_options: namespaceOptions, seccomp: { profile_type: 'Unconfined' } }
        : privilege === 'equivalent'
          ? {
              capabilities: { add_capabilities: ['SYS_ADMIN'] },
              masked_paths: [],
              readonly_paths: [],
              namespace_options: namespaceOptions,
              seccomp: { profile_type: 'RuntimeDefault' },
            }
          : {
              masked_paths: DEFAULT_MASKED_PATHS,
              readonly_paths: DEFAULT_READONLY_PATHS,
              namespace_options: namespaceOptions,
              seccomp: { profile_type: 'RuntimeDefault' },
            };
    const mounts = (spec.volumes ?? []).map(({ volume, target, medium, sizeBytes }) => {
      const folder = join(this.emptyDirOf(pod.name), request.volumeName(volume));
      if (!existsSync(folder)) {
        mkdirSync(folder, { recursive: true });
        kubelet.push(crictl.asKubelet(`mkdir -p ${folder}`, "the emptyDir's folder"));
      }
      // emptyDir with medium: Memory is a tmpfs the kubelet mounts on the pod's folder, sized by its sizeLimit.
      if (medium === 'Memory' && !mountedAt(folder)) {
        const args = ['-t', 'tmpfs', '-o', `${sizeBytes ? `size=${sizeBytes},` : ''}mode=0777`, 'tmpfs', folder];
        const mounted = spawnSync('mount', args, { encoding: 'utf8' });
        if (mounted.status !== 0) throw new Error(`cannot mount the emptyDir (medium: Memory) at ${folder}: ${mounted.stderr.trim()}`);
        kubelet.push(crictl.asKubelet(`mount ${args.join(' ')}`, 'medium: Memory', 'for'));
      }
      return { container_path: target, host_path: folder };
    });
    return {
      metadata: { name: request.logicalName, attempt },
      image: { image: request.image },
      // The image has no entrypoint: args replace its Cmd, as Docker's cmd does.
      ...(spec.cmd ? { args: spec.cmd } : {}),
      mounts,
      labels: { ...request.labels, [POD_LABEL]: pod.name, [HANDLE_LABEL]: request.name },
      log_path: `${request.logicalName}/${attempt}.log`,
      linux: { security_context: security },
    };
  }

  private grantsOf(request: ContainerRequest, privilege: Privilege): string[] {
    const { spec } = request;
    // Pods of shmlab's need no CNI: they use the node's network, which is the runtime daemon's namespace.
    const grants: string[] = [
      `network: the node's (namespace_options.network NODE), i.e. the runtime daemon's network namespace${this.options.network ? ` — here ${this.options.network}` : ''}`,
    ];
    if (spec.ipc === 'host') grants.push("IPC namespace: host (the pod's namespace_options.ipc = NODE)");
    else if (spec.ipc === 'shareable') grants.push("IPC namespace: shareable (the pod's own, shared by every container created in the pod)");
    else if (spec.ipc?.startsWith('container:'))
      grants.push(`IPC namespace: ${spec.ipc} (created in that container's pod, whose IPC namespace its containers share)`);
    for (const [key, value] of Object.entries(spec.sysctls ?? {}))
      grants.push(
        spec.ipc?.startsWith('container:')
          ? `sysctl ${key}=${value}: not applied (sysctls are the pod's, set by the container that made it)`
          : `sysctl ${key}=${value} (pod-level)`,
      );
    if (spec.shmSizeBytes !== undefined) grants.push(`shm size ${spec.shmSizeBytes}: not applicable on CRI (no such setting; /dev/shm is the sandbox's tmpfs)`);
    for (const { volume, target, medium, sizeBytes } of spec.volumes ?? [])
      grants.push(
        medium === 'Memory'
          ? `emptyDir ${volume} (medium: Memory) at ${target} (a tmpfs${sizeBytes ? ` of ${sizeBytes} bytes` : ''} shmlab mounted on a host folder it made for the pod, as the kubelet would; removed with the pod)`
          : `emptyDir ${volume} at ${target} (a host folder shmlab made for the pod, as the kubelet would; removed with the pod)`,
      );
    if (privilege === 'privileged') grants.push('privileged (pod and container)');
    if (privilege === 'equivalent')
      grants.push('CAP_SYS_ADMIN with unmasked, writable /proc (masked_paths and readonly_paths empty): the host cannot start privileged containers');
    return grants;
  }

  private async createAndStart(entry: Entry, kubelet: string[] = []): Promise<void> {
    const logs = join(entry.pod.config.log_directory, entry.logicalName);
    if (!existsSync(logs)) {
      mkdirSync(logs, { recursive: true });
      kubelet.push(crictl.asKubelet(`mkdir -p ${logs}`, "the container's log folder"));
    }
    entry.containerId = await this.client.createContainer(entry.pod.id, entry.config, entry.pod.config);
    entry.logPaths.push(join(entry.pod.config.log_directory, entry.config.log_path!));
    await this.client.startContainer(entry.containerId);
  }

  async exec(handle: string, cmd: string[]): Promise<ExecOutcome> {
    const r = await this.client.execSync(this.entry(handle).containerId, cmd, this.execTimeout);
    return { exitCode: r.exit_code, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
  }

  async stop(handle: string): Promise<void> {
    await this.client.stopContainer(this.entry(handle).containerId, this.stopTimeout);
  }

  /** What the kubelet does when a container has to run again: a new container (attempt + 1) in the same sandbox. */
  async start(handle: string): Promise<void> {
    const entry = this.entry(handle);
    await ignoreNotFound(this.client.removeContainer(entry.containerId));
    const attempt = entry.config.metadata.attempt + 1;
    entry.config = { ...entry.config, metadata: { ...entry.config.metadata, attempt }, log_path: `${entry.logicalName}/${attempt}.log` };
    await this.createAndStart(entry);
  }

  /** StopContainer without a grace period; the next start is the same restart as after a stop. */
  async kill(handle: string): Promise<void> {
    await this.client.stopContainer(this.entry(handle).containerId, 0);
  }

  /**
   * Removes the container; the pod goes with its last container, as when a Kubernetes pod is deleted. A removal already
   * under way (a step a signal abandoned, which cleanup then repeats) is joined: the runtime refuses a second one
   * ("already in removing state"), and a process that exits while the first is half done leaves the pod behind.
   */
  remove(handle: string): Promise<void> {
    let removal = this.removing.get(handle);
    if (!removal) {
      removal = this.removeNow(handle).finally(() => this.removing.delete(handle));
      this.removing.set(handle, removal);
    }
    return removal;
  }

  private async removeNow(handle: string): Promise<void> {
    const entry = this.entries.get(handle);
    if (!entry) return;
    if (entry.containerId) await onceSettled(() => ignoreNotFound(this.client.removeContainer(entry.containerId)));
    // Forgotten only once its pod is gone too: a failed removal must stay known, for the retry and the report.
    const last = [...entry.pod.members].every((member) => member === handle);
    if (last) await this.removePods([entry.pod]);
    this.entries.delete(handle);
    entry.pod.members.delete(handle);
  }

  async inspect(handle: string): Promise<ContainerView> {
    const entry = this.entry(handle);
    const { status } = await this.client.containerStatus(entry.containerId);
    const pod = await this.client.podSandboxStatus(entry.pod.id).catch(() => undefined);
    const state: ContainerState = status.state === 'CONTAINER_RUNNING' ? 'running' : status.state === 'CONTAINER_CREATED' ? 'created' : 'exited';
    const ipc = pod?.status.linux?.namespaces?.options?.ipc ?? entry.pod.config.linux.security_context?.namespace_options?.ipc;
    return {
      state,
      exitCode: state === 'exited' ? status.exit_code : null,
      lines: [
        `State: ${status.state}${status.reason ? ` (${status.reason})` : ''}, attempt ${status.metadata.attempt}`,
        `Pod: ${entry.pod.id} (${pod?.status.state ?? 'unknown'})`,
        `IPC: ${ipc}`,
        ...status.mounts.map((m) => `Mount: ${m.host_path} -> ${m.container_path}`),
      ],
    };
  }

  async logs(handle: string): Promise<{ stdout: string; stderr: string }> {
    const out = { stdout: '', stderr: '' };
    for (const file of this.entry(handle).logPaths) {
      if (!existsSync(file)) continue;
      const part = parseCriLog(readFileSync(file, 'utf8'));
      out.stdout += part.stdout;
      out.stderr += part.stderr;
    }
    return out;
  }

  /** CRI has no volumes: an emptyDir folder is made per pod when a container mounts it; the name is only recorded. */
  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    this.volumes.set(name, labels);
  }

  async removeVolume(name: string): Promise<void> {
    this.volumes.delete(name);
  }

  /** The crictl command of a step on an existing container, for the transcript (call it before the step: `remove` looks at the pod). */
  commandFor(action: 'exec' | 'stop' | 'start' | 'kill' | 'remove' | 'inspect' | 'logs', handle: string, cmd: string[] = []): string {
    const entry = this.entry(handle);
    const names = crictl.crictlNames(entry.logicalName, entry.pod.owner);
    switch (action) {
      case 'exec':
        return crictl.execCommand(names, cmd, this.execTimeout);
      case 'stop':
        return crictl.stopCommand(names, this.stopTimeout);
      case 'kill':
        return crictl.stopCommand(names, 0);
      case 'start': {
        const attempt = entry.config.metadata.attempt + 1;
        return crictl.restartCommand(names, {
          ...entry.config,
          metadata: { ...entry.config.metadata, attempt },
          log_path: `${entry.logicalName}/${attempt}.log`,
        });
      }
      case 'remove':
        return crictl.removeCommand(names, entry.pod.members.size === 1, this.hostRemovalOf(entry.pod));
      case 'inspect':
        return crictl.inspectCommand(names);
      case 'logs':
        return crictl.logsCommand(names);
    }
  }

  /**
   * Removes the pods that carry `label` and that `isStale` says are left over (a run killed before it could clean up):
   * their containers, the pods, their processes the runtime lost, their emptyDir and log folders and their cgroup folders.
   */
  async cleanupByLabel(label: string, isStale: (labels: Record<string, string>) => boolean): Promise<PodRemoval> {
    const pods = (await this.client.listPodSandbox()).filter((p) => label in p.labels && isStale(p.labels));
    const known = new Set([...this.entries.values()].map((e) => e.pod.id));
    const stale = pods.filter((p) => !known.has(p.id));
    return this.removeLeftPods(stale.map((p) => ({ id: p.id, name: p.labels[POD_LABEL] ?? p.metadata.name, uid: p.metadata.uid })));
  }

  /**
   * Removes the pods that dead processes recorded before asking for them, whether the runtime lists them or not (a
   * RunPodSandbox that never returned), by what the record says: the pod, its processes left in its cgroup (a `runc
   * init` of a container created and never started), its cgroup and its folders.
   */
  async removeRecordedPods(recorded: readonly PodClaim[]): Promise<PodRemoval & { done: string[] }> {
    const listed = await this.client.listPodSandbox();
    const out = { removed: [] as string[], left: [] as string[], ended: [] as string[], done: [] as string[] };
    for (const claim of recorded) {
      const { name, uid } = claim;
      const listedAs = listed.filter((p) => p.metadata.uid === uid).map((p) => ({ id: p.id, name, uid, trace: claim }));
      // A record is written before anything exists: a run killed right after it left nothing to remove.
      const existed = listedAs.length > 0 || claim.folders.some((f) => existsSync(f)) || cgroupExists(claim.cgroupParent);
      const removal = await this.removeLeftPods([...listedAs, { name, uid, trace: claim }]);
      out.ended.push(...removal.ended);
      if (removal.left.length) out.left.push(...removal.left);
      else {
        if (existed) out.removed.push(name);
        out.done.push(uid);
      }
    }
    return out;
  }

  // Another process's pods: what it could not remove is said, not thrown, so that the rest is still cleaned.
  private async removeLeftPods(pods: { id?: string; name: string; uid: string; trace?: HostTrace }[]): Promise<PodRemoval> {
    const out: PodRemoval = { removed: [], left: [], ended: [] };
    for (const pod of pods) {
      try {
        const kept = await this.removePod(pod, true, out.ended);
        if (kept.length) out.left.push(`${pod.name} (cgroup folders still in use: ${kept.join(', ')})`);
        else out.removed.push(pod.name);
      } catch (err) {
        out.left.push(`${pod.name} (${(err as Error).message})`);
      }
    }
    return out;
  }

  private async removePods(pods: { id?: string; name: string; uid: string }[]): Promise<void> {
    for (const pod of pods) await this.removePod(pod, false);
  }

  // Containers first (StopPodSandbox stops them, RemovePodSandbox removes them, but a refused pod may hold created ones),
  // then the pod, then what shmlab made on the host for it. A pod of another process's (`left`): processes still in its
  // cgroup are ones the runtime lost, and are ended by pid. Returns the cgroup folders that could not be removed.
  private async removePod(pod: { id?: string; name: string; uid: string; trace?: HostTrace }, left: boolean, ended: string[] = []): Promise<string[]> {
    if (pod.id) {
      for (const c of await this.client.listContainers({ pod_sandbox_id: pod.id })) await onceSettled(() => ignoreNotFound(this.client.removeContainer(c.id)));
      await ignoreNotFound(this.client.stopPodSandbox(pod.id));
      await ignoreNotFound(this.client.removePodSandbox(pod.id));
    }
    const trace = pod.trace ?? this.traceOf(pod.name, pod.uid);
    if (left) {
      const lost = processesInCgroup(trace.cgroupParent);
      ended.push(...lost.map(describeProcess));
      await endProcesses(lost);
    }
    const kept = this.removeHostFolders(trace);
    // The record goes only once nothing of the pod is left: until then a clean after a kill can still find it.
    if (!kept.length && this.claimed.delete(pod.uid)) this.options.claims?.releasePod(pod.uid);
    return kept;
  }

  private removeHostFolders(trace: HostTrace): string[] {
    for (const folder of trace.folders) for (const mount of mountsUnder(folder).reverse()) spawnSync('umount', ['-l', mount]);
    for (const folder of trace.folders) rmSync(folder, { recursive: true, force: true });
    return removeCgroupFolders(trace.cgroupParent);
  }

  /** The folders and cgroup parent of a pod of this driver's (the emptyDir folder first: tmpfs mounts are under it). */
  traceOf(name: string, uid: string): HostTrace {
    return { folders: [this.emptyDirOf(name), join(this.options.dataRoot, 'pods', name)], cgroupParent: `${this.cgroupRoot}/pod${uid}` };
  }

  /** The shell lines that undo what shmlab made on the host for the pod, as the kubelet would when a pod is deleted. */
  private hostRemovalOf(pod: Pod): string[] {
    const trace = this.traceOf(pod.name, pod.uid);
    return [
      ...mountsUnder(trace.folders[0]!)
        .reverse()
        .map((m) => crictl.asKubelet(`umount ${m}`, "the emptyDir's tmpfs (medium: Memory)")),
      crictl.asKubelet(`rm -rf ${trace.folders.join(' ')}`, "the pod's emptyDir and log folders"),
      crictl.asKubelet(`rmdir $(find ${cgroupGlob(trace.cgroupParent)} -depth -type d)`, "the pod's cgroup folders, which runc leaves"),
    ];
  }

  /** The cgroup folder of this driver's pods, and its parents (/shmlab), once empty: pods' own folders go with each pod. */
  removeCgroupRoot(): void {
    for (let dir = this.cgroupRoot; dir !== '/' && dir !== '.'; dir = dirname(dir)) removeEmptyCgroupFolder(dir);
  }

  /** Where this driver's pods' cgroups, emptyDir and log folders are: for a sweep of what no pod or record accounts for. */
  get layout(): { cgroupRoot: string; emptyDirs: string; podLogs: string } {
    return { cgroupRoot: this.cgroupRoot, emptyDirs: join(this.options.dataRoot, 'emptydir'), podLogs: join(this.options.dataRoot, 'pods') };
  }

  /** The runtime, its handler and cgroup driver, and restrict_oom_score_adj with the reason this host needs it. */
  async describe(): Promise<CriDescription> {
    const version = await this.client.version();
    const status = await this.client.status(true).catch(() => undefined);
    let config: CriConfigView = {};
    try {
      config = JSON.parse(status?.info.config ?? '{}') as CriConfigView;
    } catch {
      // Not containerd's JSON: report what the Version call says.
    }
    const handlerName = this.options.runtimeHandler || config.containerd?.defaultRuntimeName || 'runc';
    const handler = config.containerd?.runtimes?.[handlerName];
    const systemd = handler?.options?.SystemdCgroup ?? config.systemdCgroup;
    const cgroupDriver = systemd === undefined ? 'unknown' : systemd ? 'systemd' : 'cgroupfs';
    const restrict = config.restrictOOMScoreAdj;
    const why = hostLacksSysResource()
      ? 'the capability bounding set lacks CAP_SYS_RESOURCE, so runc cannot give the sandbox the oom_score_adj -998 the CRI plugin asks for'
      : 'the host allows lowering oom_score_adj';
    const lines = [
      `Runtime: ${version.runtime_name} ${version.runtime_version} (CRI ${version.runtime_api_version})`,
      `Runtime handler: ${handlerName}${handler ? ` (${handler.runtimeType}${handler.options?.BinaryName ? `, ${handler.options.BinaryName}` : ''})` : ''}`,
      `Cgroup driver: ${cgroupDriver}`,
      ...(restrict === undefined ? [] : [`restrict_oom_score_adj: ${restrict}${restrict ? ` (${why})` : ''}`]),
      ...(status?.status?.conditions ?? []).map((c) => `Condition ${c.type}: ${c.status}${c.reason ? ` (${c.reason})` : ''}`),
    ];
    return {
      runtimeName: version.runtime_name,
      runtimeVersion: version.runtime_version,
      runtimeApiVersion: version.runtime_api_version,
      runtimeHandler: handlerName,
      cgroupDriver,
      restrictOomScoreAdj: restrict,
      lines,
    };
  }

  private present(image: string): Promise<void> {
    let known = this.images.get(image);
    if (!known) {
      known = this.client.imageStatus(image).then((found) => {
        if (!found) throw new Error(`the runtime does not hold image ${image}: import it first (shmlab never lets a CRI runtime pull)`);
      });
      // A failed check is not remembered: the image may be imported meanwhile.
      known.catch(() => this.images.delete(image));
      this.images.set(image, known);
    }
    return known;
  }

  private emptyDirOf(podName: string): string {
    return join(this.options.dataRoot, 'emptydir', podName);
  }

  private entry(handle: string): Entry {
    const entry = this.entries.get(handle);
    if (!entry) throw new Error(`no container ${handle} on this CRI driver`);
    return entry;
  }
}

/** The part of containerd's Status(verbose).info.config that describe() reads (1.6 and 2.1 agree on these keys). */
interface CriConfigView {
  containerd?: { defaultRuntimeName?: string; runtimes?: Record<string, { runtimeType?: string; options?: { BinaryName?: string; SystemdCgroup?: boolean } }> };
  systemdCgroup?: boolean;
  restrictOOMScoreAdj?: boolean;
}

function hostLacksSysResource(): boolean {
  const bounding = /^CapBnd:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return bounding !== undefined && (BigInt(`0x${bounding}`) & (1n << 24n)) === 0n;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof CriError && (err.code === 'NOT_FOUND' || /not found|does not exist/i.test(err.details));
}

async function ignoreNotFound(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Mount points at or below `dir` (the emptyDir tmpfs mounts of a pod). */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => (line.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}

function mountedAt(dir: string): boolean {
  return mountsUnder(dir).includes(dir);
}

// containerd refuses to remove a container whose start is still in flight (one a killed run had asked for): that state
// settles within moments, so the removal is tried again then. Any other refusal is final.
const SETTLING = /is in (starting|creating) state/i;

async function onceSettled(remove: () => Promise<void>): Promise<void> {
  await pRetry(remove, { retries: 20, minTimeout: 250, maxTimeout: 1000, shouldRetry: ({ error }) => SETTLING.test(error.message) });
}
