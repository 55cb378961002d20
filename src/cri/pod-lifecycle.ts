// What happens to a pod's sandbox beyond its containers' restarts: its pause process dies, the kubelet re-creates it,
// the runtime daemon restarts under it. The driver keeps the pods; these functions act on one.
import type { CriClient } from './cri-client.js';
import { childrenOf, endProcesses, shimsOf } from './node-processes.js';
import type { Entry, Pod } from './pod-entries.js';
import { ignoreNotFound } from './pod-removal.js';
import * as podSpec from './pod-spec.js';

/** Kills the sandbox's first process (its pid from the runtime's verbose status) and waits until the runtime says it is not ready. */
export async function killPause(client: CriClient, podId: string): Promise<string> {
  const { info } = await client.podSandboxStatus(podId, true);
  const pid = Number((JSON.parse(info.info ?? '{}') as { pid?: number }).pid);
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`the runtime did not say the pid of sandbox ${podId.slice(0, 12)}'s process`);
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  let state = 'SANDBOX_READY';
  while (state === 'SANDBOX_READY' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    state = (await client.podSandboxStatus(podId)).status.state;
  }
  return `pause process ${pid} killed; the runtime says the sandbox is ${state}`;
}

/**
 * The kubelet's answer to a sandbox that is not ready (pkg/kubelet/kuberuntime/util/util.go, PodSandboxChanged; its
 * SyncPod): the pod's containers and sandbox stopped, a new sandbox for the same pod (same uid, attempt + 1), and the
 * containers created and started again (attempt + 1). The old ones are removed at once (a kubelet's garbage collector
 * removes them later); the pod's emptyDir folders, which are the kubelet's, stay. `pod` and `members` are updated.
 */
export async function recreatePod(
  client: CriClient,
  pod: Pod,
  members: readonly Entry[],
  how: { stopTimeout: number; runtimeHandler: string; createAndStart: (member: Entry) => Promise<void> },
): Promise<string> {
  for (const m of members) if (m.containerId) await ignoreNotFound(client.stopContainer(m.containerId, how.stopTimeout));
  await client.stopPodSandbox(pod.id);
  for (const m of members) if (m.containerId) await ignoreNotFound(client.removeContainer(m.containerId));
  const old = pod.id;
  await ignoreNotFound(client.removePodSandbox(old));
  const shim = await endLeftShim(client.address, old);
  pod.config = podSpec.nextSandboxAttempt(pod.config);
  pod.id = await client.runPodSandbox(pod.config, how.runtimeHandler);
  for (const m of members) {
    m.containerId = '';
    m.config = podSpec.nextAttempt(m.config, m.logicalName);
    await how.createAndStart(m);
  }
  const attempts = members.map((m) => `${m.logicalName} attempt ${m.config.metadata.attempt}`).join(', ');
  return `sandbox ${old.slice(0, 12)} stopped and removed${shim}; new sandbox ${pod.id.slice(0, 12)} for the same pod (uid ${pod.place.uid}, attempt ${pod.config.metadata.attempt}); ${attempts}`;
}

/**
 * The removed sandbox's shim, where the runtime left it running (containerd 2.1 does once the pause process was
 * killed; 1.6's exits): ended by its pid after a grace, and said, so that the node keeps nothing of the old sandbox.
 * Only a runtime on this machine's socket has its shims here to see.
 */
async function endLeftShim(address: string, sandboxId: string, graceMs = 5000): Promise<string> {
  if (!address.startsWith('unix://')) return '';
  const socket = address.slice('unix://'.length);
  const left = () => shimsOf(socket).filter((s) => s.id === sandboxId);
  for (const deadline = Date.now() + graceMs; left().length && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
  const still = left();
  if (!still.length) return '';
  await endProcesses(still.flatMap((s) => [...childrenOf(s.pid), s.pid]));
  return `; its shim (pid ${still.map((s) => s.pid).join(', ')}) still ran ${graceMs / 1000} s after RemovePodSandbox: ended by shmlab`;
}

/** Restarts the runtime (`run`), then waits until `client`'s own connection answers again; says what `run` said. */
export async function restartAndReconnect(client: CriClient, run: () => Promise<string>): Promise<string> {
  const said = await run();
  // The connection comes back on its own, after the backoff of its reconnection: waited for, not an observation.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.version({ timeoutMs: 2000 });
      return said;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
