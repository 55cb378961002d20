// Removing pods, the driver's own and those killed runs left: their containers, the pod, what the runtime lost of them
// (processes in their cgroup), what shmlab made on the host for them, and then the record of each in the lease.
import pRetry from 'p-retry';
import type { PodClaim } from '../lab/process-lease.js';
import { type CriClient, CriError } from './cri-client.js';
import { endLostProcesses, removeHostTrace, traceExists } from './pod-host.js';
import { type HostTrace, POD_LABEL } from './pod-spec.js';

/** Where the driver records each pod before asking for it (the process's lease), and gives the record up once it is gone. */
export interface PodClaims {
  claimPod(pod: PodClaim): void;
  releasePod(uid: string): void;
}

/** What removing pods left, with the reason, and the processes it had to end (the runtime had lost them). */
export interface PodRemoval {
  removed: string[];
  left: string[];
  ended: string[];
}

/** A pod to remove: its id when the runtime has one, and what shmlab made for it (a record's, else the driver's layout). */
interface PodToRemove {
  id?: string;
  name: string;
  uid: string;
  trace?: HostTrace;
}

export class PodRemover {
  /** Pods recorded in the claims and not yet removed entirely (by uid). */
  private readonly claimed = new Set<string>();

  constructor(
    private readonly client: CriClient,
    /** The folders and cgroup parent of a pod of this driver's. */
    private readonly traceOf: (name: string, uid: string) => HostTrace,
    private readonly claims?: PodClaims,
  ) {}

  /** Records the pod before anything of it exists: a run killed from then on leaves what `clean` finds by this record. */
  claim(pod: PodClaim): void {
    this.claims?.claimPod(pod);
    this.claimed.add(pod.uid);
  }

  /** The driver's own pods: a failure is thrown, and the pod stays known for the retry. */
  async removePods(pods: readonly PodToRemove[]): Promise<void> {
    for (const pod of pods) await this.removePod(pod, false);
  }

  /**
   * Removes the pods that carry `label` and that `isStale` says are left over (a run killed before it could clean up),
   * but for those the driver knows (`known`: their ids, once listed): their containers, the pods, their processes the runtime lost,
   * their emptyDir and log folders and their cgroup folders.
   */
  async cleanupByLabel(label: string, isStale: (labels: Record<string, string>) => boolean, known: () => ReadonlySet<string>): Promise<PodRemoval> {
    const pods = (await this.client.listPodSandbox()).filter((p) => label in p.labels && isStale(p.labels));
    const ours = known();
    const stale = pods.filter((p) => !ours.has(p.id));
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
      const existed = listedAs.length > 0 || traceExists(claim);
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
  private async removeLeftPods(pods: readonly PodToRemove[]): Promise<PodRemoval> {
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

  // Containers first (StopPodSandbox stops them, RemovePodSandbox removes them, but a refused pod may hold created ones),
  // then the pod, then what shmlab made on the host for it. A pod of another process's (`left`): processes still in its
  // cgroup are ones the runtime lost, and are ended by pid. Returns the cgroup folders that could not be removed.
  private async removePod(pod: PodToRemove, left: boolean, ended: string[] = []): Promise<string[]> {
    if (pod.id) {
      for (const c of await this.client.listContainers({ pod_sandbox_id: pod.id })) await removeContainer(this.client, c.id);
      await ignoreNotFound(this.client.stopPodSandbox(pod.id));
      await ignoreNotFound(this.client.removePodSandbox(pod.id));
    }
    const trace = pod.trace ?? this.traceOf(pod.name, pod.uid);
    if (left) ended.push(...(await endLostProcesses(trace)));
    const kept = removeHostTrace(trace);
    // The record goes only once nothing of the pod is left: until then a clean after a kill can still find it.
    if (!kept.length && this.claimed.delete(pod.uid)) this.claims?.releasePod(pod.uid);
    return kept;
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof CriError && (err.code === 'NOT_FOUND' || /not found|does not exist/i.test(err.details));
}

export async function ignoreNotFound(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Removes a container, gone already or not, once a start still in flight has settled. */
export function removeContainer(client: CriClient, id: string): Promise<void> {
  return onceSettled(() => ignoreNotFound(client.removeContainer(id)));
}

// containerd refuses to remove a container whose start is still in flight (one a killed run had asked for): that state
// settles within moments, so the removal is tried again then. Any other refusal is final.
const SETTLING = /is in (starting|creating) state/i;

async function onceSettled(remove: () => Promise<void>): Promise<void> {
  await pRetry(remove, { retries: 20, minTimeout: 250, maxTimeout: 1000, shouldRetry: ({ error }) => SETTLING.test(error.message) });
}
