// One run of the lab: its id, the labels on everything it creates, and the keys it may use in the host's IPC namespace.
import { randomBytes, randomInt } from 'node:crypto';
import { hostname } from 'node:os';
import type { EngineDriver } from '../engine/engine-driver.js';
import { ResourceTracker } from './resource-tracker.js';

export const LABEL = 'org.shmlab';
export const LABEL_RUN = 'org.shmlab.run';
export const LABEL_PID = 'org.shmlab.pid';
export const LABEL_HOST = 'org.shmlab.host';
export const LABEL_STARTED = 'org.shmlab.started';
/** Host SysV keys of shmlab's runs have these upper 16 bits, so a later run can find what a killed one left. */
export const HOST_KEY_PREFIX = 0x5d1a;

export class LabSession {
  readonly runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  readonly resources: ResourceTracker;
  private readonly usedKeys = new Set<number>();

  constructor(readonly driver: EngineDriver) {
    this.resources = new ResourceTracker(driver);
  }

  labels(extra: Record<string, string> = {}): Record<string, string> {
    return {
      [LABEL]: 'true',
      [LABEL_RUN]: this.runId,
      [LABEL_PID]: String(process.pid),
      [LABEL_HOST]: hostname(),
      [LABEL_STARTED]: String(Date.now()),
      ...extra,
    };
  }

  /** A SysV key in the host's namespace that no other experiment of this run uses (and, by chance of 1 in 65535, no other run). */
  allocateHostKey(): number {
    let key: number;
    do key = (HOST_KEY_PREFIX << 16) | randomInt(1, 0xffff);
    while (this.usedKeys.has(key));
    this.usedKeys.add(key);
    return key;
  }
}
