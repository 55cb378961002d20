// The engines a matrix runs against: the engines file (data), plus `--engine name=unix:///path` from the command line.
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { EngineEntry, EngineEntryKind, RuntimeEntry, RuntimeName } from '../model/engine-entry.js';
import type { EngineKind } from '../model/experiment.js';
import { engineId } from '../model/family.js';

export type { EngineEntry } from '../model/engine-entry.js';

const RUNTIMES: Record<EngineEntryKind, RuntimeName[]> = { docker: ['runc', 'crun', 'runsc'], podman: ['runc', 'crun'], containerd: ['runc', 'crun'] };

const NAME = /^[a-z0-9][a-z0-9._-]{0,40}$/;

export function readEnginesFile(path: string): EngineEntry[] {
  let text: string;
  try {
    if (!statSync(path).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read the engines file ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  let data: { engines?: unknown } | null;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`The engines file ${path} is not valid JSON (${(err as Error).message}).`);
  }
  if (typeof data !== 'object' || data === null || !Array.isArray(data.engines)) throw new UsageError(`The engines file ${path} must have an "engines" list.`);
  const entries = data.engines.map((e, i) => checkEntry(e, `${path}, engine ${i + 1}`));
  // Two entries of the same engine and runtime would write reports of the same name over each other.
  const seen = new Map<string, string>();
  for (const e of entries) {
    const key = JSON.stringify([e.kind, e.from, e.address, e.runtime, e.rootless]);
    const twin = seen.get(key) ?? (entries.filter((x) => x.name === e.name).length > 1 ? e.name : undefined);
    if (twin)
      throw new UsageError(`${path}: ${twin} and ${e.name} name the same engine and runtime (or the same name); their reports would overwrite each other.`);
    seen.set(key, e.name);
  }
  return entries;
}

function checkEntry(e: unknown, where: string): EngineEntry {
  if (typeof e !== 'object' || e === null || Array.isArray(e))
    throw new UsageError(`${where}: expected an object with "name" and "kind", got ${JSON.stringify(e)}.`);
  const entry = e as Partial<EngineEntry>;
  if (typeof entry.name !== 'string' || !NAME.test(entry.name)) throw new UsageError(`${where}: "name" must be a short lower-case name such as docker-26.1.`);
  if (entry.kind !== 'docker' && entry.kind !== 'podman' && entry.kind !== 'containerd')
    throw new UsageError(`${where}: "kind" must be "docker", "podman" or "containerd", got ${JSON.stringify(entry.kind)}.`);
  if (!entry.from && !entry.address) throw new UsageError(`${where}: give "from" (a Debian suite) or "address" (unix:///path).`);
  const runtime = entry.runtime === undefined ? undefined : checkRuntime(entry.runtime, entry.kind, where);
  if (entry.gate !== undefined && typeof entry.gate !== 'boolean') throw new UsageError(`${where}: "gate" must be true or false.`);
  if (entry.rootless !== undefined && entry.rootless !== true) throw new UsageError(`${where}: "rootless" can only be true.`);
  if (
    entry.rootless &&
    (entry.kind === 'containerd' || entry.address || (entry.kind === 'docker' && entry.from !== 'bookworm') || (runtime?.name ?? 'runc') !== 'runc')
  )
    throw new UsageError(
      `${where}: "rootless" applies to a Podman, or a Docker from bookworm (whose dockerd-rootless.sh shmlab runs), that shmlab provisions with runc ("from", no "address"); an engine given by address is used as it runs.`,
    );
  return {
    name: entry.name,
    kind: entry.kind,
    from: entry.from,
    address: entry.address,
    ...(runtime ? { runtime } : {}),
    ...(entry.gate === false ? { gate: false } : {}),
    ...(entry.rootless ? { rootless: true as const } : {}),
  };
}

function checkRuntime(r: unknown, kind: EngineEntryKind, where: string): RuntimeEntry {
  const runtime = r as Partial<RuntimeEntry> | null;
  const allowed = RUNTIMES[kind];
  if (typeof runtime !== 'object' || runtime === null || !allowed.includes(runtime.name as RuntimeName)) {
    throw new UsageError(
      `${where}: "runtime" must be an object whose "name" is ${allowed.map((n) => `"${n}"`).join(' or ')} for ${kind}, got ${JSON.stringify(r)}.`,
    );
  }
  // runc is the engine's own; Podman is told only which runtime to use: a suite or arguments there would be ignored.
  if ((runtime.name === 'runc' || kind === 'podman') && (runtime.from !== undefined || runtime.args !== undefined || runtime.build !== undefined)) {
    throw new UsageError(
      `${where}: "runtime.from", "runtime.args" and "runtime.build" apply to crun or runsc under Docker or containerd only (runc and Podman's runtime come with the engine).`,
    );
  }
  // containerd's runc shim is told only the runtime's binary.
  if (kind === 'containerd' && runtime.args !== undefined) throw new UsageError(`${where}: "runtime.args" applies to a Docker engine's runtime only.`);
  if (runtime.from !== undefined && (typeof runtime.from !== 'string' || !/^[a-z]+$/.test(runtime.from)))
    throw new UsageError(`${where}: "runtime.from" must name a Debian suite such as bookworm.`);
  if (runtime.args !== undefined && !(Array.isArray(runtime.args) && runtime.args.every((a) => typeof a === 'string' && a.startsWith('--')))) {
    throw new UsageError(`${where}: "runtime.args" must be a list of options such as ["--network=none"].`);
  }
  if (runtime.build !== undefined && (runtime.build !== 'source' || runtime.name !== 'crun' || !runtime.from))
    throw new UsageError(`${where}: "runtime.build" can only be "source", for crun with "from" naming the suite whose source is built.`);
  return {
    name: runtime.name!,
    ...(runtime.from ? { from: runtime.from } : {}),
    ...(runtime.args ? { args: runtime.args } : {}),
    ...(runtime.build ? { build: runtime.build } : {}),
  };
}

/** `--engine name=unix:///path/to.sock`: an engine already running, used as given. */
export function parseEngineOption(text: string): EngineEntry {
  const match = text.match(/^([^=]+)=(unix:\/\/\/.+|tcp:\/\/.+)$/);
  if (!match || !NAME.test(match[1]!)) throw new UsageError(`Expected --engine name=unix:///path/to/engine.sock, got ${JSON.stringify(text)}.`);
  const name = match[1]!;
  return { name, kind: /podman/i.test(name) ? 'podman' : /containerd|cri/i.test(name) ? 'containerd' : 'docker', address: match[2]! };
}

/**
 * Whether a report's engine decides the matrix's exit code, by the engines file: the entries of the same kind and
 * runtime as the report's engine say it (`gate`); where they disagree, or none matches, it does.
 */
export function gateOf(
  entries: readonly EngineEntry[],
): (run: { environment: { kind: EngineKind; runtimeName?: string; ociRuntime?: { name: string }; rootless?: true } }) => boolean {
  return (run) => {
    // The entry kinds are the engines' own names (docker, podman, containerd).
    const kind = engineId(run.environment);
    const runtime = run.environment.ociRuntime?.name ?? 'runc';
    const alike = entries.filter(
      (e) => e.kind === kind && (e.runtime?.name ?? 'runc') === runtime && Boolean(e.rootless) === Boolean(run.environment.rootless),
    );
    return !(alike.length > 0 && alike.every((e) => e.gate === false));
  };
}
