// The engines a matrix runs against: the engines file (data, described by schema/engines-v1.schema.json), plus
// `--engine name=unix:///path` from the command line.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { UsageError } from '../errors.js';
import type { EngineEntry, EngineEntryKind, RuntimeEntry, RuntimeName } from '../model/engine-entry.js';
import type { EngineKind } from '../model/experiment.js';
import { engineId } from '../model/family.js';
import { ROOT } from '../paths.js';
import { kindOf, shown } from '../run/user-experiments/words.js';

export type { EngineEntry } from '../model/engine-entry.js';

const SCHEMA_PATH = join(ROOT, 'schema', 'engines-v1.schema.json');

const RUNTIMES: Record<EngineEntryKind, RuntimeName[]> = { docker: ['runc', 'crun', 'runsc'], podman: ['runc', 'crun'], containerd: ['runc', 'crun'] };

// The part of a schema node the sentences read: `x-problem` holds the words a failed keyword of the node gets.
interface Node {
  title?: string;
  properties?: Record<string, unknown>;
  additionalProperties?: unknown;
  'x-problem'?: Record<string, string>;
}

let compiled: { validate: ValidateFunction<{ engines: EngineEntry[] }>; name: RegExp } | undefined;

function schema(): NonNullable<typeof compiled> {
  if (compiled) return compiled;
  const json = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as { definitions: { engine: { properties: { name: { pattern: string } } } } };
  // verbose: each error carries its schema node (the words) and the value that failed. strictRequired off: it does not
  // see that the anyOf's "from" and "address" are properties of the entry beside it.
  const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, strictRequired: false });
  ajv.addKeyword('x-problem');
  // The name's pattern is the schema's, for --engine too.
  compiled = { validate: ajv.compile<{ engines: EngineEntry[] }>(json), name: new RegExp(json.definitions.engine.properties.name.pattern) };
  return compiled;
}

export function readEnginesFile(path: string): EngineEntry[] {
  let text: string;
  try {
    if (!statSync(path).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read the engines file ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`The engines file ${path} is not valid JSON (${(err as Error).message}).`);
  }
  const { validate } = schema();
  if (!validate(data)) throw new UsageError(schemaProblem(path, data, validate.errors ?? []));
  const entries = data.engines.map((e, i) => checkEntry(e, entryWhere(path, i, e)));
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

// An entry as the sentences name it: by its place in the file, and by its name where it has a valid one.
function entryWhere(path: string, index: number, entry: unknown): string {
  const name = (entry as { name?: unknown } | null)?.name;
  return `${path}, engine ${index + 1}${typeof name === 'string' && schema().name.test(name) ? ` (${name})` : ''}`;
}

/**
 * ajv's failure as one sentence naming the file, the entry and the field:
 * `engines.json, engine 3 (docker-26.1): "runtime.from" must name a Debian suite such as bookworm, got "Sid".`
 */
function schemaProblem(path: string, data: unknown, errors: ErrorObject[]): string {
  // allErrors is off: the last error is the one that failed the value (any before it are the failed branches of an anyOf).
  const e = errors.at(-1);
  if (!e) return `The engines file ${path} does not follow schema/engines-v1.schema.json.`;
  const at = e.instancePath.split('/').slice(1);
  const inEntry = at[0] === 'engines' && at.length > 1;
  const where = inEntry ? entryWhere(path, Number(at[1]), (data as { engines: unknown[] }).engines[Number(at[1])]) : `The engines file ${path}`;
  const field = (inEntry ? at.slice(2) : at).reduce((f, key) => (/^\d+$/.test(key) ? `${f}[${key}]` : f ? `${f}.${key}` : key), '');
  const node = e.parentSchema as Node;
  const say = (name: string, words: string) => (name ? `${where}: "${name}" ${words}.` : `${where}${inEntry ? ':' : ''} ${words}.`);
  // A misspelt field is both an unknown one and a missing one: the unknown one says what to fix.
  const unknown =
    e.keyword === 'additionalProperties'
      ? String(e.params.additionalProperty)
      : e.keyword === 'required' || e.keyword === 'anyOf'
        ? unknownField(node, e.data)
        : undefined;
  if (unknown !== undefined) {
    const fields = Object.keys(node.properties ?? {}).join(', ');
    return say(field ? `${field}.${unknown}` : unknown, `is not a field of ${node.title ?? 'this object'} (its fields: ${fields})`);
  }
  const words = node['x-problem']?.[e.keyword];
  if (words) return say(field, words.replace('{value}', shown(e.data)).replace('{kind}', kindOf(e.data)));
  if (e.keyword === 'required') return say(field ? `${field}.${String(e.params.missingProperty)}` : String(e.params.missingProperty), 'is missing');
  return say(field, `${e.message ?? 'does not follow the schema'}, got ${shown(e.data)}`);
}

function unknownField(node: Node, data: unknown): string | undefined {
  if (node.additionalProperties !== false || typeof data !== 'object' || data === null) return undefined;
  return Object.keys(data).find((k) => !(k in (node.properties ?? {})));
}

// What the schema does not say: the combinations of fields shmlab refuses. The entry has the schema's shape.
function checkEntry(entry: EngineEntry, where: string): EngineEntry {
  const runtime = entry.runtime === undefined ? undefined : checkRuntime(entry.runtime, entry.kind, where);
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

function checkRuntime(runtime: RuntimeEntry, kind: EngineEntryKind, where: string): RuntimeEntry {
  const allowed = RUNTIMES[kind];
  if (!allowed.includes(runtime.name)) {
    throw new UsageError(
      `${where}: "runtime" must be an object whose "name" is ${allowed.map((n) => `"${n}"`).join(' or ')} for ${kind}, got ${JSON.stringify(runtime)}.`,
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
  if (runtime.build !== undefined && (runtime.name !== 'crun' || !runtime.from))
    throw new UsageError(`${where}: "runtime.build" can only be "source", for crun with "from" naming the suite whose source is built.`);
  return {
    name: runtime.name,
    ...(runtime.from ? { from: runtime.from } : {}),
    ...(runtime.args ? { args: runtime.args } : {}),
    ...(runtime.build ? { build: runtime.build } : {}),
  };
}

/** `--engine name=unix:///path/to.sock`: an engine already running, used as given. */
export function parseEngineOption(text: string): EngineEntry {
  const match = text.match(/^([^=]+)=(unix:\/\/\/.+|tcp:\/\/.+)$/);
  if (!match || !schema().name.test(match[1]!)) throw new UsageError(`Expected --engine name=unix:///path/to/engine.sock, got ${JSON.stringify(text)}.`);
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
