// What `shmlab matrix` hands each engine's run, in one typed file (`shmlab run --run-options FILE`), rather than in
// environment variables of its own: the engine and how the host provisioned it, and where to say where the report went.
import { FAMILIES, type FamilyName } from './family.js';

export interface RunOptionsFile {
  /** The engine to run against: a Docker API engine or a CRI runtime, by address. */
  engine: { family: FamilyName; address: string };
  /** containerd's ctr that imports images into a CRI runtime (its own, for a runtime the matrix started). */
  ctr?: string;
  /** What this host needed for the engine to run at all, for the report's environment. */
  workarounds?: string[];
  /** How the engine was set up, as `Key: value` lines for the report's environment (a rootless engine's user). */
  details?: string[];
  /** The folder of the runtime's per-sandbox panic logs (gVisor), where the matrix set one up. */
  panicDir?: string;
  /** The user experiments' folder (`matrix --experiments`). */
  experimentsDir?: string;
  /** Where the run says where its report went, as data (JSON: {markdown, json, partial}). */
  resultFile: string;
}

/** The file's fields checked, or one sentence naming what is wrong. */
export function runOptionsProblem(data: unknown): string | undefined {
  const o = data as Partial<RunOptionsFile> | null;
  if (typeof o !== 'object' || o === null) return 'it is not a JSON object';
  if (!o.engine || !Object.hasOwn(FAMILIES, o.engine.family) || typeof o.engine.address !== 'string') return 'engine must be {family, address}';
  if (typeof o.resultFile !== 'string') return 'resultFile must be a path';
  for (const key of ['ctr', 'panicDir', 'experimentsDir'] as const) if (o[key] !== undefined && typeof o[key] !== 'string') return `${key} must be a path`;
  for (const key of ['workarounds', 'details'] as const)
    if (o[key] !== undefined && !(Array.isArray(o[key]) && o[key].every((w) => typeof w === 'string'))) return `${key} must be a list of sentences`;
  return undefined;
}
