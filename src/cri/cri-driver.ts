// The lab on a Kubernetes node runtime, driven over CRI the way the kubelet drives it (pods, restarts as new attempts).
// What to send comes from pod-spec.ts (pure), what shmlab does on the host from pod-host.ts, pod removal from
// pod-removal.ts; this file keeps the lifecycle.

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AdmissionRefusal, type ContainerRequest, type ContainerView, type ExecOutcome, type LabDriver, type StartedContainer } from '../engine/lab-driver.js';
import { PrivilegeResolver } from '../engine/privilege.js';
import type { PodClaim } from '../lab/process-lease.js';
import type { Capability } from '../model/family.js';
import { admissionRefusal } from '../model/kubelet-admission.js';
import type { PrivilegeMode } from '../model/result.js';
import { containerView } from './container-view.js';
import type { CriClient } from './cri-client.js';
import { type CriDescription, describeRuntime } from './cri-describe.js';
import { readCriLogs } from './cri-logs.js';
import * as crictl from './crictl-commands.js';
import { HeldImages } from './held-images.js';
import { SANDBOX_IMAGE } from './pause-image.js';
import { createPod } from './pod-creation.js';
import type { CriDriverOptions, Entry, Pod } from './pod-entries.js';
import { makeContainerLogFolder, makeVolumes, removeCgroupRoot } from './pod-host.js';
import { killPause, recreatePod, restartAndReconnect } from './pod-lifecycle.js';
import { ignoreNotFound, type PodRemoval, PodRemover, removeContainer } from './pod-removal.js';
import type { HostTrace, Privilege } from './pod-spec.js';
import * as podSpec from './pod-spec.js';
import { type StepCommand, stepCommand } from './step-commands.js';

export type { CriDriverOptions } from './pod-entries.js';
export { mountsUnder } from './pod-host.js';
export { POD_LABEL } from './pod-spec.js';

export class CriDriver implements LabDriver {
  readonly kind = 'cri';
  private readonly entries = new Map<string, Entry>();
  private readonly cgroupRoot: string;
  private readonly stopTimeout: number;
  private readonly execTimeout: number;
  private readonly resolver = new PrivilegeResolver(podSpec.equivalentReason);
  private readonly pods: PodRemover;
  private readonly images: HeldImages;
  /** Removals under way, by handle: a second removal (cleanup after an abandoned step's) joins the first. */
  private readonly removing = new Map<string, Promise<void>>();
  /** User-namespaced pods made so far: each gets the next block of host ids. */
  private usernsPods = 0;
  /** Why a kubelet would not create user-namespaced pods here (from describe()); undefined where it would. */
  private usernsWhyNot?: string;

  constructor(
    readonly client: CriClient,
    private readonly options: CriDriverOptions,
  ) {
    this.cgroupRoot = options.cgroupRoot ?? `/shmlab/${options.name}`;
    this.stopTimeout = options.stopTimeoutSeconds ?? 10;
    this.execTimeout = options.execTimeoutSeconds ?? 60;
    this.images = new HeldImages(client);
    this.pods = new PodRemover(client, (name, uid) => this.traceOf(name, uid), options.claims);
  }

  /** Whether privileged containers ran as such or as the nearest equivalent (learnt from the first one). */
  get privilege(): PrivilegeMode {
    return this.resolver.mode;
  }

  async run(request: ContainerRequest): Promise<StartedContainer> {
    if (!request.spec.privileged) return this.launch(request, 'none');
    let refusal: string | undefined;
    // A refused privileged attempt undoes itself in launch, pod included: nothing is left to discard.
    const started = await this.resolver.run(
      (mode) => this.launch(request, mode.mode === 'equivalent' ? 'equivalent' : 'privileged'),
      async () => {},
      (words) => (refusal = words),
    );
    return refusal === undefined ? started : { ...started, refusal };
  }

  // Creates the pod (unless the container joins another's) and the container, and starts it. A privileged attempt
  // that fails is undone here, so that the equivalent can be tried on a clean slate.
  private async launch(request: ContainerRequest, privilege: Privilege): Promise<StartedContainer> {
    const { spec } = request;
    const joined = podSpec.joinedContainer(spec);
    const host = joined ? this.entries.get(request.containerHandle(joined)) : undefined;
    if (joined && !host) throw new Error(`cannot join the pod of ${joined}: it is not running on this driver`);
    // A user-namespaced pod's block of host ids is chosen before anything is said of it.
    // Taken (the count moves on) only once the pod is sent: a pod refused before any CRI call uses none.
    const userns = !joined && spec.hostUsers === false ? podSpec.usernsBlock(this.usernsPods) : undefined;
    const grants = podSpec.grantsOf(spec, privilege, this.options.network, userns);
    // A cluster refuses some pods before any runtime sees them: shmlab too, in its place, unless told to ask the runtime.
    const refused =
      joined || request.skipAdmission
        ? undefined
        : (admissionRefusal(spec, spec.hostUsers !== false) ?? (spec.hostUsers === false ? this.usernsWhyNot : undefined));
    if (refused) {
      request.onCommand?.(
        `# ${request.logicalName}'s pod: refused before any CRI call (shmlab applies the cluster's checks in their place), not sent to the runtime`,
        grants,
      );
      throw new AdmissionRefusal(refused);
    }
    // Only images the runtime holds: CRI would pull a missing sandbox image, and there is no registry to pull from.
    await Promise.all([this.images.check(this.options.sandboxImage ?? SANDBOX_IMAGE), this.images.check(request.image)]);
    // What shmlab does on the host in the kubelet's place, as shell lines for the transcript, in the order done.
    const kubelet: string[] = [];
    if (userns) this.usernsPods++;
    const pod = host?.pod ?? (await this.createPod(request, privilege, kubelet, userns));
    const { config, volumes } = podSpec.containerSpec(request, pod, privilege);
    try {
      makeVolumes(volumes, kubelet);
    } catch (err) {
      // A pod made for this container and no container in it (an emptyDir that could not be mounted): not left behind.
      if (!host) await this.pods.removePods([{ id: pod.id, ...pod.place }]).catch(() => undefined);
      throw err;
    }
    const names = crictl.crictlNames(request.logicalName, pod.owner);
    const notes = podSpec.shmSizeNote(spec) + (request.skipAdmission && !host ? "\n# sent without the admission shmlab applies in the kubelet's place" : '');
    // What is asked, should the runtime refuse the container; the container's log folder joins it once made.
    request.onCommand?.(crictl.runCommand(names, pod.config, config, !host, kubelet) + notes, grants);
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
    return { handle: entry.handle, shown: entry.containerId, command: crictl.runCommand(names, pod.config, entry.config, !host, kubelet) + notes, grants };
  }

  private createPod(request: ContainerRequest, privilege: Privilege, kubelet: string[], userns?: podSpec.PodPlace['userns']): Promise<Pod> {
    const place = podSpec.podPlace(this.options.dataRoot, this.cgroupRoot, request.name, randomUUID(), userns);
    return createPod(this.client, this.pods, { request, privilege, place, kubelet, network: this.options.network, handler: this.options.runtimeHandler ?? '' });
  }

  private async createAndStart(entry: Entry, kubelet: string[] = []): Promise<void> {
    makeContainerLogFolder(join(entry.pod.config.log_directory, entry.logicalName), kubelet);
    entry.containerId = await this.client.createContainer(entry.pod.id, entry.config, entry.pod.config);
    entry.logPaths.push(join(entry.pod.config.log_directory, podSpec.logPath(entry.logicalName, entry.config.metadata.attempt)));
    await this.client.startContainer(entry.containerId);
  }

  async exec(handle: string, cmd: string[], programs = 1): Promise<ExecOutcome> {
    const r = await this.client.execSync(this.entry(handle).containerId, cmd, this.execTimeout * programs);
    return { exitCode: r.exit_code, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), stdoutBytes: r.stdout };
  }

  async stop(handle: string): Promise<void> {
    await this.client.stopContainer(this.entry(handle).containerId, this.stopTimeout);
  }

  /** What the kubelet does when a container has to run again: a new container (attempt + 1) in the same sandbox. */
  async start(handle: string): Promise<void> {
    const entry = this.entry(handle);
    await ignoreNotFound(this.client.removeContainer(entry.containerId));
    entry.config = podSpec.nextAttempt(entry.config, entry.logicalName);
    await this.createAndStart(entry);
  }

  /** The pod's pause process killed, as an OOM kill or a crash would end it; waits until the runtime sees its sandbox not ready. */
  killSandbox(handle: string): Promise<string> {
    return killPause(this.client, this.entry(handle).pod.id);
  }

  /**
   * The kubelet's answer to a sandbox that is not ready: the pod's containers and sandbox stopped, a new sandbox for the
   * same pod (same uid, attempt + 1), and the containers created and started again (attempt + 1); see pod-lifecycle.ts.
   */
  recreateSandbox(handle: string): Promise<string> {
    const { pod } = this.entry(handle);
    return recreatePod(this.client, pod, this.membersOf(pod), {
      stopTimeout: this.stopTimeout,
      runtimeHandler: this.options.runtimeHandler ?? '',
      createAndStart: (m) => this.createAndStart(m as Entry),
    });
  }

  /** The containers of a pod, in the order they were made. */
  private membersOf(pod: Pod): Entry[] {
    return [...pod.members].map((h) => this.entries.get(h)).filter((e): e is Entry => e !== undefined);
  }

  /** Why the runtime cannot be restarted here, where it was started outside shmlab. */
  get noRuntimeRestart(): string | undefined {
    const r = this.options.runtimeRestart;
    return r && 'whyNot' in r ? r.whyNot : undefined;
  }

  /** Restarts the runtime daemon while its pods run, then waits until this driver's own connection answers again. */
  restartRuntime(): Promise<string> {
    const r = this.options.runtimeRestart;
    if (!r || !('run' in r)) return Promise.reject(new Error(this.noRuntimeRestart ?? 'this runtime cannot be restarted by shmlab'));
    return restartAndReconnect(this.client, r.run);
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
    if (entry.containerId) await removeContainer(this.client, entry.containerId);
    // Forgotten only once its pod is gone too: a failed removal must stay known, for the retry and the report.
    const last = [...entry.pod.members].every((member) => member === handle);
    if (last) await this.pods.removePods([{ id: entry.pod.id, ...entry.pod.place }]);
    this.entries.delete(handle);
    entry.pod.members.delete(handle);
  }

  async inspect(handle: string): Promise<ContainerView> {
    const entry = this.entry(handle);
    const { status } = await this.client.containerStatus(entry.containerId);
    const pod = await this.client.podSandboxStatus(entry.pod.id).catch(() => undefined);
    return containerView(status, pod?.status, entry.pod.id, entry.pod.config.linux.security_context?.namespace_options?.ipc);
  }

  async logs(handle: string): Promise<{ stdout: string; stderr: string }> {
    return readCriLogs(this.entry(handle).logPaths);
  }

  /** CRI has no volumes: an emptyDir folder is made per pod when a container mounts it (and goes with the pod). */
  async createVolume(): Promise<void> {}

  async removeVolume(): Promise<void> {}

  /** The crictl command of a step on an existing container, for the transcript (call it before the step: `remove` looks at the pod). */
  commandFor(action: StepCommand, handle: string, cmd: string[] = []): string {
    const entry = this.entry(handle);
    const r = this.options.runtimeRestart;
    return stepCommand(action, entry, this.membersOf(entry.pod), cmd, {
      execTimeout: this.execTimeout,
      stopTimeout: this.stopTimeout,
      restartRuntime: r && 'command' in r ? r.command : '',
    });
  }

  /** Removes the pods that carry `label` and that `isStale` says are left over (a run killed before it could clean up). */
  cleanupByLabel(label: string, isStale: (labels: Record<string, string>) => boolean): Promise<PodRemoval> {
    return this.pods.cleanupByLabel(label, isStale, () => new Set([...this.entries.values()].map((e) => e.pod.id)));
  }

  /** Removes the pods that dead processes recorded before asking for them, whether the runtime lists them or not. */
  removeRecordedPods(recorded: readonly PodClaim[]): Promise<PodRemoval & { done: string[] }> {
    return this.pods.removeRecordedPods(recorded);
  }

  /** The folders and cgroup parent of a pod of this driver's (the emptyDir folder first: tmpfs mounts are under it). */
  traceOf(name: string, uid: string): HostTrace {
    return podSpec.traceOf(podSpec.podPlace(this.options.dataRoot, this.cgroupRoot, name, uid));
  }

  /** The cgroup folder of this driver's pods, and its parents (/shmlab), once empty: pods' own folders go with each pod. */
  removeCgroupRoot(): void {
    removeCgroupRoot(this.cgroupRoot);
  }

  /** Where this driver's pods' cgroups, emptyDir and log folders are: for a sweep of what no pod or record accounts for. */
  get layout(): { cgroupRoot: string; emptyDirs: string; podLogs: string } {
    return { cgroupRoot: this.cgroupRoot, emptyDirs: join(this.options.dataRoot, 'emptydir'), podLogs: join(this.options.dataRoot, 'pods') };
  }

  /** The runtime, its handler and cgroup driver, and restrict_oom_score_adj with the reason this host needs it. */
  async describe(): Promise<CriDescription> {
    const description = await describeRuntime(this.client, this.options.runtimeHandler);
    this.usernsWhyNot = description.userNamespacesWhyNot;
    return description;
  }

  /** What this runtime lacks that its family has (user namespaces, by its handler's features), learnt by describe(). */
  lacks(need: Capability): string | undefined {
    return need === 'user-namespaces' ? this.usernsWhyNot : undefined;
  }

  private entry(handle: string): Entry {
    const entry = this.entries.get(handle);
    if (!entry) throw new Error(`no container ${handle} on this CRI driver`);
    return entry;
  }
}
