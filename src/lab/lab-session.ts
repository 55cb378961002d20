// One run of the lab: its id, the labels on everything it creates, and the keys it may use in the host's IPC namespace.
import { randomBytes, randomInt } from 'node:crypto';
import { hostname } from 'node:os';
import type { LabDriver } from '../engine/lab-driver.js';
import { LABEL, LABEL_HOST, LABEL_LEASE, LABEL_PID, LABEL_RUN, LABEL_STARTED } from '../labels.js';
import { liveClaims, type ProcessLease } from './process-lease.js';
import { ResourceTracker } from './resource-tracker.js';

/** Host SysV keys of shmlab's runs have these upper 16 bits, so a later run can find what a killed one left. */
export const HOST_KEY_PREFIX = 0x5d1a;

export class LabSession {
  readonly runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  readonly resources: ResourceTracker;
  private readonly usedKeys = new Set<number>();

  constructor(
    readonly driver: LabDriver,
    readonly lease: ProcessLease,
  ) {
    this.resources = new ResourceTracker(driver);
  }

  labels(extra: Record<string, string> = {}): Record<string, string> {
    return {
      [LABEL]: 'true',
      [LABEL_RUN]: this.runId,
      [LABEL_LEASE]: this.lease.id,
      [LABEL_PID]: String(process.pid),
      [LABEL_HOST]: hostname(),
      [LABEL_STARTED]: String(Date.now()),
      ...extra,
    };
  }

  /** A SysV key in the host's namespace that no other experiment of this run uses nor any live shmlab process of this host (their leases claim theirs). */
  allocateHostKey(): number {
    let key: number;
    const claimed = new Set(liveClaims().flatMap((c) => c.hostKeys));
    do key = (HOST_KEY_PREFIX << 16) | randomInt(1, 0xffff);
    while (this.usedKeys.has(key) || claimed.has(key));
    this.usedKeys.add(key);
    this.lease.claimHostKey(key);
    return key;
  }
}
