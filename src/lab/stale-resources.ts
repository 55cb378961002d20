// Finds what earlier runs left behind (a run killed with SIGKILL cannot clean up) and removes it: only what belongs
// to a process whose lease is proven dead, or, where no lease can be seen (another host, an older shmlab), what is
// older than any run can last.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABEL, LABEL_LEASE, LABEL_STARTED } from '../labels.js';
import { CACHE } from '../paths.js';
import { releaseHostKeys } from './host-keys.js';
import type { HostIpc } from './host-segments.js';
import { reachesOurIpc, restoreAfterKilledRunsLocked } from './host-sysctls.js';
import { deadClaims, forgetClaims, forgetDeadLeases, leaseLiveness } from './process-lease.js';
import { checkedLine, notCheckedLine } from './sweep-lines.js';

/** Resources older than this are stale whoever made them: no run lasts that long. */
export const STALE_AFTER_MS = 2 * 60 * 60 * 1000;

export function isStale(labels: Record<string, string> | undefined | null, now = Date.now()): boolean {
  if (!labels?.[LABEL]) return false;
  const liveness = leaseLiveness(labels[LABEL_LEASE]);
  if (liveness !== 'unknown') return liveness === 'dead';
  return now - Number(labels[LABEL_STARTED] ?? 0) > STALE_AFTER_MS;
}

/**
 * On every engine: the host sysctls and host keys that killed processes of this host had changed and claimed, the pods
 * they recorded on other CRI runtimes (said; `runtime` is the one the caller has just cleaned), the build folders they
 * left, and lease files old enough to forget.
 */
export async function removeStaleLocal(hostIpc: HostIpc, alreadyRemoved: readonly number[] = [], runtime?: string): Promise<string[]> {
  const said: string[] = [];
  for (const restored of await restoreAfterKilledRunsLocked()) {
    said.push(
      `restored the host's ${Object.entries(restored)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}, which a killed run had changed`,
    );
  }
  let reaches: Promise<boolean> | undefined;
  const waiting: number[] = [];
  let unknown: { keys: number[]; why: string } | undefined;
  const elsewhere = new Map<string, string[]>();
  for (const claims of deadClaims()) {
    const keys = claims.hostKeys.filter((k) => !alreadyRemoved.includes(k));
    let keysStay = false;
    if (keys.length) {
      // Keys a killed process of this host claimed live in this host's IPC namespace: only an engine whose host-IPC
      // helper is there can remove them (gVisor's `--ipc=host` is the sandbox's own). Else they wait for one that is.
      reaches ??= reachesOurIpc(hostIpc);
      let ours: boolean | undefined;
      try {
        ours = await reaches;
      } catch (err) {
        // A failed probe says nothing about the namespace: the keys stay claimed, and that is said, never taken for a "no".
        unknown = { keys: [...(unknown?.keys ?? []), ...keys], why: (err as Error).message };
      }
      if (ours) {
        await releaseHostKeys(hostIpc, keys);
        said.push(`cleared ${keys.length} host SysV segment key(s) a killed run had claimed: ${keys.map((k) => `0x${k.toString(16)}`).join(', ')}`);
      } else {
        if (ours === false) waiting.push(...keys);
        keysStay = true;
      }
    }
    for (const pod of claims.pods ?? []) if (pod.runtime !== runtime) elsewhere.set(pod.runtime, [...(elsewhere.get(pod.runtime) ?? []), pod.name]);
    // Keys that wait, host sysctls a run killed after the restore above changed, and pods only a clean on their runtime
    // removes keep the claims.
    if (!keysStay && !claims.hostSysctls && !claims.pods?.length) forgetClaims(claims.lease);
  }
  if (waiting.length)
    said.push(
      `left ${waiting.length} host SysV segment key(s) a killed run had claimed: this engine's --ipc=host is not this host's IPC namespace, so they wait for a run or clean on an engine whose is`,
    );
  if (unknown)
    said.push(
      notCheckedLine(
        `${unknown.keys.length} host SysV segment key(s) a killed run had claimed`,
        `could not tell whether this engine's --ipc=host is this host's IPC namespace: ${unknown.why}; the keys stay claimed`,
      ),
    );
  for (const [address, pods] of elsewhere)
    said.push(
      `left ${pods.length} pod(s) a killed run made on the CRI runtime at ${address}: ${pods.join(', ')}; a clean there (CONTAINER_RUNTIME_ENDPOINT=${address} shmlab clean) removes them`,
    );
  const folders = removeStaleWorkFolders();
  if (folders) said.push(`removed ${folders} unfinished build folder(s) left by an earlier run`);
  forgetDeadLeases(STALE_AFTER_MS);
  said.push(checkedLine('host sysctls killed runs changed', 'host SysV keys killed runs claimed', 'pods killed runs recorded', 'build folders'));
  return said;
}

// Compiles, image builds and CRI image imports work in folders named after the lease of the process doing them
// (`.cache/programs/<hash>.tmp-<lease>`, `<tmp>/shmlab-context-<lease>-…`, `<tmp>/shmlab-oci-<lease>-…`,
// `<tmp>/shmlab-pause-<lease>-…`, `<tmp>/shmlab-fleet-<lease>-…`): a process killed mid-build or mid-import leaves them.
export function removeStaleWorkFolders(now = Date.now()): number {
  const candidates = [
    ...list(join(CACHE, 'programs'))
      .filter((f) => /\.tmp-[a-z0-9]+$/.test(f))
      .map((f) => ({ path: join(CACHE, 'programs', f), lease: f.replace(/^.*\.tmp-/, '') })),
    ...list(tmpdir())
      .filter((f) => /^shmlab-(context|oci|pause|fleet)-/.test(f))
      .map((f) => ({ path: join(tmpdir(), f), lease: f.split('-')[2] ?? '' })),
  ];
  let removed = 0;
  for (const { path, lease } of candidates) {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) continue;
    const liveness = leaseLiveness(lease);
    const old = now - stat.mtimeMs > STALE_AFTER_MS;
    if (liveness === 'dead' || (liveness === 'unknown' && old)) {
      rmSync(path, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

function list(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}
