// The lab, assembled once for whoever needs the engine (a run, `clean`, the tests, the soak): the driver with its
// deadline, this process's lease, a session, the images, and the helper that reaches the host's IPC namespace.
import { buildImages } from '../build/image-builder.js';
import { connectEngine } from '../engine/engine-connection.js';
import { DEFAULT_DEADLINE_MS, EngineDriver } from '../engine/engine-driver.js';
import { describeEngine } from '../engine/engine-info.js';
import type { Say } from '../engine/local-engine.js';
import type { EngineEnvironment } from '../model/result.js';
import { LABEL_HELPER } from '../labels.js';
import { releaseHostKeys } from './host-keys.js';
import { LabSession } from './lab-session.js';
import { processLease, type ProcessLease } from './process-lease.js';
import type { HostKeyRemover } from './resource-tracker.js';

export interface Lab {
  driver: EngineDriver;
  address: string;
  environment: EngineEnvironment;
  lease: ProcessLease;
  session: LabSession;
  /** image variant -> image id */
  images: Record<string, string>;
  /** image variant -> tag, for people */
  tags: Record<string, string>;
  /** Labels of the helper container that runs in the host's IPC namespace. */
  helperLabels: Record<string, string>;
  /** Removes host keys through the helper, then their markers, and gives up the lease's claim on them. */
  removeHostKeys: HostKeyRemover;
}

export interface LabSetup {
  say: Say;
  /** Image variants needed besides `lab` (the helper's image). */
  variants?: string[];
  deadlineMs?: number;
}

export async function openLab(setup: LabSetup): Promise<Lab> {
  const lease = await processLease();
  const { address, client } = await connectEngine(setup.say, setup.deadlineMs);
  const driver = new EngineDriver(client, setup.deadlineMs ?? DEFAULT_DEADLINE_MS);
  const environment = await driver.call('describe the engine', () => describeEngine(driver.dockerode, address.uri));
  const variants = [...new Set(['lab', ...(setup.variants ?? [])])];
  const { ids, tags } = await buildImages(driver, variants, setup.say, lease);
  const session = new LabSession(driver, lease);
  const helperLabels = session.labels({ [LABEL_HELPER]: 'true' });
  const removeHostKeys: HostKeyRemover = async (keys) => {
    await releaseHostKeys(driver, ids.lab!, helperLabels, keys);
    for (const key of keys) lease.releaseHostKey(key);
  };
  return { driver, address: address.uri, environment, lease, session, images: ids, tags, helperLabels, removeHostKeys };
}
