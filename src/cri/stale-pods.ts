// What killed runs left on a CRI node, found three ways: the pods their leases recorded before asking for them (also
// those the runtime never listed), the pods the runtime lists with a dead lease's label, and what no pod and no record
// accounts for: shims whose task the runtime removed, and cgroup, emptyDir and log folders of shmlab's.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deadClaims, forgetPodClaims, liveClaims } from '../lab/process-lease.js';
import { isStale, STALE_AFTER_MS } from '../lab/stale-resources.js';
import { checkedLine } from '../lab/sweep-lines.js';
import { LABEL } from '../labels.js';
import { cgroupChildren } from './cgroup-folders.js';
import type { CriClient } from './cri-client.js';
import type { CriDriver } from './cri-driver.js';
import { childrenOf, describeProcess, endProcesses, orphanShims } from './node-processes.js';
import { removeHostFolder, removeLostCgroup } from './pod-host.js';
import { POD_LABEL } from './pod-spec.js';

/** How long a shim whose bundle is gone is given to exit by itself (the runtime shuts it down after removing the task). */
const SHIM_GRACE_MS = 1500;

export async function removeStalePods(driver: CriDriver, client: CriClient, socket: string, now = Date.now()): Promise<string[]> {
  const said: string[] = [];
  const runtime = client.address;
  const ended: string[] = [];
  const left: string[] = [];

  // Recorded by a dead lease: found whether the runtime lists them or not.
  for (const claims of deadClaims()) {
    const pods = (claims.pods ?? []).filter((p) => p.runtime === runtime);
    if (!pods.length) continue;
    const removal = await driver.removeRecordedPods(pods);
    forgetPodClaims(claims.lease, removal.done);
    ended.push(...removal.ended);
    left.push(...removal.left);
    if (removal.removed.length)
      said.push(`removed ${removal.removed.length} pod(s) a killed run had recorded, with what was made for them: ${removal.removed.join(', ')}`);
  }

  // Listed with the label of a dead lease (or of none this host knows, and old): runs that recorded nothing.
  const labelled = await driver.cleanupByLabel(LABEL, isStale);
  ended.push(...labelled.ended);
  left.push(...labelled.left);
  if (labelled.removed.length)
    said.push(`removed ${labelled.removed.length} pod(s) left by an earlier run that did not finish: ${labelled.removed.join(', ')}`);

  said.push(...(await endOrphanShims(socket)));
  said.push(...(await sweepFolders(driver, client, now)));
  if (ended.length) said.push(`ended ${ended.length} process(es) of those pods that the runtime no longer knew: ${ended.join(', ')}`);
  if (left.length) said.push(`could not remove ${left.length} pod(s) of killed runs: ${left.join('; ')}; the next clean tries again`);
  said.push(
    checkedLine(
      'pods and containers the runtime lists',
      'pods killed runs recorded',
      "their processes (runc init, the pods' own)",
      'shims whose task the runtime removed',
      'cgroup folders',
      'emptyDir and log folders',
      'tmpfs mounts',
    ),
  );
  return said;
}

// A shim whose bundle is gone serves nothing: the runtime removed its task and never asks it again. One that does not
// exit by itself (its runtime was killed, or lost it) is ended by its pid, with any process it still has.
async function endOrphanShims(socket: string): Promise<string[]> {
  const first = orphanShims(socket);
  if (!first.length) return [];
  await new Promise((r) => setTimeout(r, SHIM_GRACE_MS));
  const still = orphanShims(socket).filter((s) => first.some((f) => f.pid === s.pid));
  if (!still.length) return [];
  const pids = still.flatMap((s) => [...childrenOf(s.pid), s.pid]);
  const named = still.map((s) => describeProcess(s.pid));
  const alive = await endProcesses(pids);
  return [`ended ${still.length} shim(s) whose task the runtime had removed: ${named.join(', ')}${alive.length ? `; still alive: ${alive.join(', ')}` : ''}`];
}

// Folders of shmlab's on the node that no pod the runtime lists and no live record accounts for: a pod cgroup, an
// emptyDir (tmpfs included) or a log folder of an older shmlab's run, or one whose record was lost. Listed first,
// records read after: a record is written before its folders exist. Removed once older than any run lasts.
async function sweepFolders(driver: CriDriver, client: CriClient, now: number): Promise<string[]> {
  const { cgroupRoot, emptyDirs, podLogs } = driver.layout;
  const cgroups = cgroupChildren(cgroupRoot);
  const folders = [emptyDirs, podLogs].flatMap((dir) => (existsSync(dir) ? readdirSync(dir).map((name) => ({ dir, name })) : []));
  const listed = await client.listPodSandbox();
  const recorded = [...liveClaims(), ...deadClaims()].flatMap((c) => c.pods ?? []);
  const uids = new Set([...listed.map((p) => p.metadata.uid), ...recorded.map((p) => p.uid)]);
  const names = new Set([...listed.map((p) => p.labels[POD_LABEL] ?? p.metadata.name), ...recorded.map((p) => p.name)]);
  const said: string[] = [];
  let removed = 0;
  let young = 0;
  for (const [folder, mtime] of cgroups) {
    if (!folder.startsWith('pod') || uids.has(folder.slice(3))) continue;
    if (now - mtime <= STALE_AFTER_MS) {
      young++;
      continue;
    }
    const path = `${cgroupRoot}/${folder}`;
    if (await removeLostCgroup(path)) removed++;
  }
  for (const { dir, name } of folders) {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat || names.has(name)) continue;
    if (now - stat.mtimeMs <= STALE_AFTER_MS) {
      young++;
      continue;
    }
    removeHostFolder(path);
    removed++;
  }
  if (removed) said.push(`removed ${removed} cgroup, emptyDir or log folder(s) of pods that no run accounts for, older than two hours`);
  if (young)
    said.push(
      `left ${young} cgroup, emptyDir or log folder(s) of pods that no run accounts for (an older shmlab's?): younger than two hours, they may still be in use, and go once older`,
    );
  return said;
}
