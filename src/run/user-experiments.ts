// User experiments (`shmlab run --experiments DIR`): every *.js or *.mjs file of DIR default-exports an Experiment
// (src/model/experiment.ts) or a list of them; DIR/bin/ holds static programs and DIR/c-src/*.c C programs that
// shmlab compiles static, both put in the images' /bin beside shmlab's own. Everything is checked before anything
// starts: a file that is not what it should be is one sentence naming the file and the field (a UsageError, exit 2).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IMAGES } from '../../experiments/images.js';
import { MEMORY_KINDS, OPERATIONS } from '../../experiments/survival.js';
import { APPLETS, isStatic } from '../build/busybox.js';
import type { UserProgram } from '../build/image-builder.js';
import { compileUserPrograms, programNames } from '../build/program-compiler.js';
import { interruption } from '../engine/interruption.js';
import { oneLine, UsageError } from '../errors.js';
import type { ProcessLease } from '../lab/process-lease.js';
import type { Experiment, StepRecord } from '../model/experiment.js';
import { FIXTURES } from '../paths.js';

export interface UserExperiments {
  /** The folder as the user named it. */
  dir: string;
  experiments: Experiment[];
  /** DIR/bin/*: static programs, as they are. */
  binaries: UserProgram[];
  /** DIR/c-src, when it holds C programs to compile. */
  cSrc?: string;
  /** Every program the user adds to /bin: the binaries' names and the C programs'. */
  programs: string[];
}

/** How matrix passes --experiments to the runs it starts (and a way to give it to `shmlab run` without the option). */
export const EXPERIMENTS_DIR_ENV = 'SHMLAB_EXPERIMENTS_DIR';

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const PROGRAM = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** How long one module may take to load (its top level) before it is taken for one that never returns. */
export const LOAD_DEADLINE_MS = 10_000;

export interface LoadOptions {
  /** Ends the load at once (the command line's signal). */
  signal?: AbortSignal;
  /** Per module; default LOAD_DEADLINE_MS. */
  deadlineMs?: number;
}

/** Loads and checks the experiments of `dir`; `builtIn`: the slugs they must not take. */
export async function loadUserExperiments(dir: string, builtIn: readonly Experiment[], options: LoadOptions = {}): Promise<UserExperiments> {
  const full = resolve(dir);
  let entries: string[];
  try {
    if (!statSync(full).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'not a folder' });
    entries = readdirSync(full).sort();
  } catch (err) {
    throw new UsageError(
      `Cannot read the experiments folder ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); --experiments names a folder of *.js or *.mjs experiment modules.`,
    );
  }
  const modules = entries.filter((f) => /\.m?js$/.test(f) && statSync(join(full, f)).isFile());
  if (!modules.length)
    throw new UsageError(
      `The experiments folder ${dir} holds no experiment module (a *.js or *.mjs file whose default export is an experiment); see examples/README.md.`,
    );

  const { binaries, cSrc, programs } = userPrograms(dir, full);
  await proveModulesReturn(
    modules.map((name) => ({ shown: join(dir, name), full: join(full, name) })),
    options.deadlineMs ?? LOAD_DEADLINE_MS,
    options.signal,
  );
  const inImage = new Set([...programNames(), 'busybox', ...APPLETS, ...fixturePrograms(), ...programs]);
  const taken = new Map(builtIn.map((e) => [e.slug, 'a built-in experiment']));
  const experiments: Experiment[] = [];
  for (const name of modules) {
    const file = join(dir, name);
    for (const [i, value, many] of await exportsOf(file, join(full, name))) {
      const where = many ? `${file}, experiment ${i + 1}${slugOf(value)}` : file;
      const experiment = checkExperiment(value, new Check(where), inImage);
      const owner = taken.get(experiment.slug);
      if (owner) throw new UsageError(`${where}: slug "${experiment.slug}" is already taken by ${owner}; choose another.`);
      taken.set(experiment.slug, `the experiment of ${where}`);
      experiments.push(guarded(experiment));
    }
  }
  return { dir, experiments, binaries, cSrc, programs };
}

/** The user's programs, ready for the images: DIR/bin/ as it is, DIR/c-src/ compiled (cached by content). */
export async function prepareUserPrograms(
  user: UserExperiments,
  say: (line: string) => void,
  lease: ProcessLease,
  signal?: AbortSignal,
): Promise<UserProgram[]> {
  const compiled = user.cSrc ? await compileUserPrograms(user.cSrc, say, lease, signal) : undefined;
  return [...user.binaries, ...(compiled?.names ?? []).map((name) => ({ name, path: join(compiled!.dir, name) }))];
}

// Imports each module in turn and says which it is at; what a module does at its top level is its own affair.
const PROBE = `for (const [i, url] of process.argv.slice(1).entries()) {
  process.send({ loading: i });
  try { await import(url); } catch {}
}
process.send({ done: true }, () => process.exit(0));`;

/**
 * A module is the user's code, and importing it runs its top level: one that never returns (`while (true) {}`) would
 * hold shmlab for ever, deaf to signals. So the modules are first imported in a child process, which a deadline and a
 * signal end whatever a module does; only modules proven to return are imported here (their functions are needed).
 * A module that does not return, or ends the process, is one sentence naming it (a UsageError, exit 2).
 */
async function proveModulesReturn(files: { shown: string; full: string }[], deadlineMs: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw interruption(signal, `while loading ${files[0]?.shown}`);
  const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE, ...files.map((f) => pathToFileURL(f.full).href)], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  let at = 0;
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((done, fail) => {
      const end = (err?: Error) => {
        if (finished) return;
        finished = true;
        child.kill('SIGKILL');
        if (err) fail(err);
        else done();
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(
          () =>
            end(
              new UsageError(
                `${files[at]!.shown} did not finish loading within ${deadlineMs / 1000} s (a loop at its top level that never ends?); a module must return when it is imported.`,
              ),
            ),
          deadlineMs,
        );
      };
      onAbort = () => end(interruption(signal!, `while loading ${files[at]!.shown}`));
      signal?.addEventListener('abort', onAbort, { once: true });
      arm();
      child.on('message', (m: { loading?: number; done?: boolean }) => {
        if (typeof m?.loading === 'number' && m.loading < files.length) {
          at = m.loading;
          arm();
        }
        if (m?.done === true) end();
      });
      child.on('error', (err) => end(new UsageError(`The experiment modules could not be checked: node could not be started (${err.message}).`)));
      // After every message it sent: a child that ends before saying it is done was ended by a module.
      child.on('close', (code, by) => {
        // Node ends a process whose top-level await can never settle with exit 13.
        const why =
          code === 13
            ? 'its top level waits for something that never comes (an await that never settles)'
            : `it ends the process when it is loaded (${by ? `signal ${by}` : `exit ${code}`}; process.exit at its top level?)`;
        end(new UsageError(`${files[at]!.shown} cannot be loaded: ${why}; a module must only define and export its experiments.`));
      });
    });
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

// The module's default export, as [index, experiment, part of a list].
async function exportsOf(file: string, full: string): Promise<[number, unknown, boolean][]> {
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(full).href);
  } catch (err) {
    const e = err as Error;
    const esm = /Cannot use import statement|Unexpected token 'export'/.test(e.message)
      ? ' (an ES module in a folder without "type": "module": name it .mjs)'
      : '';
    throw new UsageError(`${file} cannot be loaded: ${oneLine(`${e.name}: ${e.message}`).replace(/\.$/, '')}${esm}.`);
  }
  const value = module.default;
  if (value === undefined) throw new UsageError(`${file} has no default export; "export default" an experiment or a list of experiments.`);
  if (!Array.isArray(value)) return [[0, value, false]];
  if (!value.length) throw new UsageError(`${file}: its default export is an empty list; export at least one experiment.`);
  return value.map((v, i) => [i, v, true]);
}

function slugOf(value: unknown): string {
  const slug = (value as { slug?: unknown } | null)?.slug;
  return typeof slug === 'string' ? ` (${slug})` : '';
}

// DIR/bin/ and DIR/c-src/: what they add to /bin, checked for what would not run or would replace shmlab's own.
function userPrograms(dir: string, full: string): { binaries: UserProgram[]; cSrc?: string; programs: string[] } {
  const ours = new Set([...programNames(), 'busybox', ...APPLETS, ...fixturePrograms()]);
  const seen = new Map<string, string>();
  const add = (name: string, path: string) => {
    if (!PROGRAM.test(name))
      throw new UsageError(`${path}: "${name}" is no name for a program in /bin (letters, digits, dots, dashes, underscores and plus signs only); rename it.`);
    if (ours.has(name)) throw new UsageError(`${path} would replace shmlab's own /bin/${name}; rename it.`);
    const before = seen.get(name);
    if (before) throw new UsageError(`${before} and ${path} would both be /bin/${name}; keep one.`);
    seen.set(name, path);
  };
  const binaries: UserProgram[] = [];
  const bin = join(full, 'bin');
  if (existsSync(bin)) {
    if (!statSync(bin).isDirectory()) throw new UsageError(`${join(dir, 'bin')} is not a folder; bin/ holds the static programs the experiments run.`);
    for (const name of readdirSync(bin).sort()) {
      const path = join(bin, name);
      const shown = join(dir, 'bin', name);
      if (!statSync(path).isFile()) throw new UsageError(`${shown} is not a file; bin/ holds static programs only.`);
      if (!staticProgram(path))
        throw new UsageError(`${shown} is not a statically linked 64-bit ELF program: the images have no C library, so link it with -static.`);
      add(name, shown);
      binaries.push({ name, path });
    }
  }
  const src = join(full, 'c-src');
  let cSrc: string | undefined;
  if (existsSync(src)) {
    if (!statSync(src).isDirectory())
      throw new UsageError(`${join(dir, 'c-src')} is not a folder; c-src/ holds the C programs to compile, one <name>.c per program.`);
    const names = readdirSync(src)
      .filter((f) => f.endsWith('.c') && statSync(join(src, f)).isFile())
      .sort();
    for (const f of names) add(basename(f, '.c'), join(dir, 'c-src', f));
    if (names.length) cSrc = src;
  }
  return { binaries, cSrc, programs: [...seen.keys()] };
}

function staticProgram(path: string): boolean {
  try {
    return isStatic(path);
  } catch {
    return false;
  }
}

// The fixtures' scripts and init (start.sh, my_init): in the images' /bin and /sbin.
function fixturePrograms(): string[] {
  return ['bin', 'sbin'].flatMap((d) => (existsSync(join(FIXTURES, d)) ? readdirSync(join(FIXTURES, d)) : []));
}

/** Fails with one sentence that names the file (and the experiment, in a list) and the field. */
class Check {
  constructor(readonly where: string) {}

  fail(field: string, problem: string): never {
    throw new UsageError(`${this.where}: ${field} ${problem}.`);
  }

  object(value: unknown, field: string, what: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, `must be ${what} (it is ${kindOf(value)})`);
    return value as Record<string, unknown>;
  }

  fields(value: Record<string, unknown>, field: string, known: readonly string[], noun: string): void {
    const unknown = Object.keys(value).find((k) => !known.includes(k));
    if (unknown !== undefined) this.fail(`${field ? `${field}.` : ''}${unknown}`, `is not a field of ${noun} (its fields: ${known.join(', ')})`);
  }

  string(value: unknown, field: string, options: { optional?: boolean; empty?: boolean } = {}): string | undefined {
    if (value === undefined && options.optional) return undefined;
    if (value === undefined) this.fail(field, 'is missing');
    if (typeof value !== 'string') this.fail(field, `must be a string (it is ${kindOf(value)})`);
    if (!options.empty && value.trim() === '') this.fail(field, 'must not be empty');
    return value;
  }

  name(value: unknown, field: string, max: number): string {
    const s = this.string(value, field)!;
    if (!NAME.test(s) || s.length > max)
      this.fail(field, `must be lower-case letters and digits, words joined by dashes, at most ${max} characters (it is ${shown(s)})`);
    return s;
  }

  list(value: unknown, field: string, options: { optional?: boolean; empty?: boolean } = {}): unknown[] | undefined {
    if (value === undefined && options.optional) return undefined;
    if (!Array.isArray(value)) this.fail(field, value === undefined ? 'is missing' : `must be a list (it is ${kindOf(value)})`);
    if (!options.empty && !value.length) this.fail(field, 'must not be an empty list');
    return value;
  }

  strings(value: unknown, field: string, options: { optional?: boolean } = {}): string[] | undefined {
    const list = this.list(value, field, options);
    list?.forEach((s, i) => {
      this.string(s, `${field}[${i}]`, { empty: true });
    });
    return list as string[] | undefined;
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
    if (!allowed.includes(value as T))
      this.fail(field, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')} (it is ${value === undefined ? 'missing' : shown(value)})`);
    return value as T;
  }

  textMatch(value: unknown, field: string): void {
    if (value !== undefined && typeof value !== 'string' && !(value instanceof RegExp))
      this.fail(field, `must be a string or a regular expression (it is ${kindOf(value)})`);
  }

  positive(value: unknown, field: string): void {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) this.fail(field, `must be a positive whole number (it is ${shown(value)})`);
  }

  record(value: unknown, field: string, key: RegExp): void {
    if (value === undefined) return;
    const r = this.object(value, field, 'an object of names and string values');
    for (const [k, v] of Object.entries(r)) {
      if (!key.test(k)) this.fail(`${field}["${k}"]`, 'is no sysctl name (such as kernel.shmmax)');
      this.string(v, `${field}["${k}"]`);
    }
  }
}

const ACTIONS = ['run', 'exec', 'await', 'commit', 'host-sysctls', 'stop', 'start', 'kill', 'pause', 'unpause', 'remove', 'diff', 'inspect', 'logs'] as const;
const STATES = ['running', 'exited', 'paused', 'created'] as const;
const ENGINES = ['docker', 'podman', 'cri'] as const;
const SYSCTL = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
const EXPERIMENT_FIELDS = [
  'slug',
  'title',
  'section',
  'source',
  'blogSaw',
  'expectedToday',
  'explanation',
  'containers',
  'steps',
  'expect',
  'expectOn',
  'onlyOn',
  'notApplicableWhy',
  'changesHost',
  'observe',
  'whenDiffers',
  'survival',
];
const CONTAINER_FIELDS = ['image', 'cmd', 'ipc', 'sysctls', 'privileged', 'shmSizeBytes', 'volumes'];
const STEP_BASE = ['id', 'do', 'container', 'why', 'evidence'];
const STEP_FIELDS: Partial<Record<(typeof ACTIONS)[number], string[]>> = {
  run: ['mayBeRefused'],
  exec: ['cmd'],
  await: ['marker'],
  commit: ['as'],
  'host-sysctls': ['set'],
};
const EXPECT_FIELDS = ['step', 'means', 'exitCode', 'refused', 'stdout', 'stderr', 'output', 'state'];

/** Checks one exported value against the Experiment type and what the runner needs of it; returns it, typed. */
function checkExperiment(value: unknown, check: Check, inImage: ReadonlySet<string>): Experiment {
  const e = check.object(value, 'the default export', 'an experiment object (or a list of them)');
  if (e.slug === undefined) check.fail('slug', 'is missing');
  check.name(e.slug, 'slug', 40);
  check.fields(e, '', EXPERIMENT_FIELDS, 'an experiment');
  check.string(e.title, 'title');
  check.oneOf(e.section, 'section', ['A', 'B', 'C', 'D']);
  check.string(e.source, 'source');
  check.string(e.blogSaw, 'blogSaw', { empty: true });
  check.string(e.expectedToday, 'expectedToday');
  check.string(e.explanation, 'explanation');

  // Containers, and the images they may name: a variant of experiments/images.ts, or `@<name>` of a commit step.
  const containers = check.object(e.containers, 'containers', 'an object of container names and specs');
  const names = Object.keys(containers);
  if (!names.length) check.fail('containers', 'must name at least one container');
  const stepsValue = check.list(e.steps, 'steps')!;
  const committed = stepsValue.flatMap((s) =>
    (s as { do?: unknown })?.do === 'commit' && typeof (s as { as?: unknown }).as === 'string' ? [(s as { as: string }).as] : [],
  );
  for (const name of names) {
    const field = `containers.${name}`;
    check.name(name, `${field} (its name)`, 20);
    const c = check.object(containers[name], field, 'an object (a container spec; {} for the defaults)');
    check.fields(c, field, CONTAINER_FIELDS, 'a container spec');
    if (c.image !== undefined) {
      const image = check.string(c.image, `${field}.image`)!;
      const ok = image.startsWith('@') ? committed.includes(image.slice(1)) : image in IMAGES;
      if (!ok)
        check.fail(
          `${field}.image`,
          `is ${JSON.stringify(image)}, which is neither an image of shmlab's (${Object.keys(IMAGES).join(', ')}) nor "@<name>" of a commit step's "as"`,
        );
    }
    if (c.cmd !== undefined) program(check, check.strings(c.cmd, `${field}.cmd`)!, `${field}.cmd`, inImage);
    if (c.ipc !== undefined) {
      const ipc = check.string(c.ipc, `${field}.ipc`)!;
      const other = ipc.startsWith('container:') ? ipc.slice('container:'.length) : undefined;
      if (other !== undefined ? !names.includes(other) || other === name : !['private', 'shareable', 'host'].includes(ipc)) {
        check.fail(`${field}.ipc`, `is ${JSON.stringify(ipc)}; it must be "private", "shareable", "host" or "container:<another of its containers>"`);
      }
    }
    check.record(c.sysctls, `${field}.sysctls`, SYSCTL);
    if (c.privileged !== undefined && typeof c.privileged !== 'boolean')
      check.fail(`${field}.privileged`, `must be true or false (it is ${kindOf(c.privileged)})`);
    check.positive(c.shmSizeBytes, `${field}.shmSizeBytes`);
    check.list(c.volumes, `${field}.volumes`, { optional: true })?.forEach((v, i) => {
      const vf = `${field}.volumes[${i}]`;
      const vol = check.object(v, vf, 'an object {volume, target}');
      check.fields(vol, vf, ['volume', 'target', 'medium', 'sizeBytes'], 'a volume');
      check.name(vol.volume, `${vf}.volume`, 20);
      const target = check.string(vol.target, `${vf}.target`)!;
      if (!target.startsWith('/')) check.fail(`${vf}.target`, `is ${JSON.stringify(target)}; it must be an absolute path in the container`);
      if (vol.medium !== undefined) check.oneOf(vol.medium, `${vf}.medium`, ['Memory']);
      check.positive(vol.sizeBytes, `${vf}.sizeBytes`);
    });
  }

  // Steps: unique ids, declared containers, each container run before anything else is done to it.
  const ids: string[] = [];
  const running = new Set<string>();
  stepsValue.forEach((s, i) => {
    const field = `steps[${i}]`;
    const step = check.object(s, field, 'an object {id, do, container, ...}');
    const id = check.string(step.id, `${field}.id`)!;
    if (ids.includes(id)) check.fail(`${field}.id`, `"${id}" is the id of an earlier step too; ids must be unique`);
    ids.push(id);
    const action = check.oneOf(step.do, `${field}.do`, ACTIONS);
    check.fields(step, field, [...STEP_BASE, ...(STEP_FIELDS[action] ?? [])], `a ${action} step`);
    const container = check.string(step.container, `${field}.container`)!;
    if (!names.includes(container)) check.fail(`${field}.container`, `is "${container}", which is not one of its containers (${names.join(', ')})`);
    check.string(step.why, `${field}.why`, { optional: true });
    if (step.evidence !== undefined && step.evidence !== true) check.fail(`${field}.evidence`, `must be true when given (it is ${shown(step.evidence)})`);
    if (action === 'run') running.add(container);
    else if (action !== 'host-sysctls' && !running.has(container))
      check.fail(`${field}.container`, `is "${container}", which no earlier step runs (a "run" step creates and starts it)`);
    if (action === 'remove') running.delete(container);
    if (action === 'run' && step.mayBeRefused !== undefined && !(step.mayBeRefused instanceof RegExp))
      check.fail(`${field}.mayBeRefused`, `must be a regular expression (it is ${kindOf(step.mayBeRefused)})`);
    if (action === 'exec') program(check, check.strings(step.cmd, `${field}.cmd`)!, `${field}.cmd`, inImage);
    if (action === 'await') check.string(step.marker, `${field}.marker`);
    if (action === 'commit') check.name(step.as, `${field}.as`, 20);
    if (action === 'host-sysctls') {
      if (step.set === undefined) check.fail(`${field}.set`, 'is missing');
      check.record(step.set, `${field}.set`, SYSCTL);
      if (e.changesHost !== true)
        check.fail('changesHost', `must be true: step ${id} changes the host's sysctls, which --no-host-changes must be able to leave out`);
    }
  });

  check.list(e.expect, 'expect')!.forEach((x, i) => {
    expectation(check, x, `expect[${i}]`, ids);
  });
  if (e.expectOn !== undefined) {
    const on = check.object(e.expectOn, 'expectOn', 'an object of engine kinds (docker, podman, cri)');
    for (const [kind, v] of Object.entries(on)) {
      const field = `expectOn.${kind}`;
      check.oneOf(kind, `expectOn (the key "${kind}")`, ENGINES);
      const own = check.object(v, field, 'an object {why, expect, drop?}');
      check.fields(own, field, ['why', 'expect', 'drop'], "an engine's own expectations");
      check.string(own.why, `${field}.why`);
      check.list(own.expect, `${field}.expect`, { empty: true })!.forEach((x, i) => {
        expectation(check, x, `${field}.expect[${i}]`, ids);
      });
      check.strings(own.drop, `${field}.drop`, { optional: true })?.forEach((d, i) => {
        if (!ids.includes(d)) check.fail(`${field}.drop[${i}]`, `is "${d}", which is not one of its steps (${ids.join(', ')})`);
      });
    }
  }
  check.list(e.onlyOn, 'onlyOn', { optional: true })?.forEach((k, i) => {
    check.oneOf(k, `onlyOn[${i}]`, ENGINES);
  });
  check.string(e.notApplicableWhy, 'notApplicableWhy', { optional: true });
  if (e.changesHost !== undefined && e.changesHost !== true) check.fail('changesHost', `must be true when given (it is ${shown(e.changesHost)})`);

  if (typeof e.observe !== 'function') check.fail('observe', `must be a function (steps) => string that says what was observed (it is ${kindOf(e.observe)})`);
  // Before any step: a run can stop anywhere, so the phrase must come from whatever steps there are ("not run").
  let phrase: unknown;
  try {
    phrase = (e.observe as (steps: ReadonlyMap<string, StepRecord>) => unknown)(new Map());
  } catch (err) {
    check.fail('observe', `throws when no step has run (${oneLine(String((err as Error)?.message ?? err))}); say so instead, e.g. "not run"`);
  }
  if (typeof phrase !== 'string' || !phrase.trim())
    check.fail('observe', `must return a phrase when no step has run, e.g. "not run" (it returned ${kindOf(phrase)})`);

  if (e.whenDiffers !== undefined && typeof e.whenDiffers !== 'function')
    check.fail('whenDiffers', `must be a function (steps) => markdown or undefined when given (it is ${kindOf(e.whenDiffers)})`);

  check.list(e.survival, 'survival', { optional: true })?.forEach((c, i) => {
    const field = `survival[${i}]`;
    const cell = check.object(c, field, 'an object {kind, operation, step}');
    check.fields(cell, field, ['kind', 'operation', 'step', 'kept'], 'a survival cell');
    check.oneOf(cell.kind, `${field}.kind`, Object.keys(MEMORY_KINDS));
    check.oneOf(cell.operation, `${field}.operation`, Object.keys(OPERATIONS));
    const step = check.string(cell.step, `${field}.step`)!;
    if (!ids.includes(step)) check.fail(`${field}.step`, `is "${step}", which is not one of its steps (${ids.join(', ')})`);
    check.string(cell.kept, `${field}.kept`, { optional: true, empty: true });
  });
  return e as unknown as Experiment;
}

function expectation(check: Check, value: unknown, field: string, ids: readonly string[]): void {
  const x = check.object(value, field, 'an object {step, means, ...}');
  check.fields(x, field, EXPECT_FIELDS, 'an expectation');
  const step = check.string(x.step, `${field}.step`)!;
  if (!ids.includes(step)) check.fail(`${field}.step`, `is "${step}", which is not one of its steps (${ids.join(', ')})`);
  check.string(x.means, `${field}.means`);
  if (
    x.exitCode !== undefined &&
    x.exitCode !== 'non-zero' &&
    !(Number.isInteger(x.exitCode) && (x.exitCode as number) >= 0 && (x.exitCode as number) <= 255)
  ) {
    check.fail(`${field}.exitCode`, `must be a whole number from 0 to 255 or "non-zero" (it is ${shown(x.exitCode)})`);
  }
  if (x.refused !== undefined && typeof x.refused !== 'boolean') check.fail(`${field}.refused`, `must be true or false (it is ${kindOf(x.refused)})`);
  for (const f of ['stdout', 'stderr', 'output']) check.textMatch(x[f], `${field}.${f}`);
  if (x.state !== undefined) check.oneOf(x.state, `${field}.state`, STATES);
  if (EXPECT_FIELDS.slice(2).every((f) => x[f] === undefined)) check.fail(field, `checks nothing: give at least one of ${EXPECT_FIELDS.slice(2).join(', ')}`);
}

// A program named without a path is looked up in the image's /bin and /sbin: it must be there.
function program(check: Check, cmd: string[], field: string, inImage: ReadonlySet<string>): void {
  if (!cmd.length) check.fail(field, 'must name a program');
  const name = cmd[0]!;
  if (!name.includes('/') && !inImage.has(name)) {
    check.fail(
      `${field}[0]`,
      `is "${name}", which is no program in the image (yours: ${[...inImage].filter((p) => !BUILT_IN.has(p)).join(', ') || 'none'}; shmlab's: see c-src/; busybox's: ${APPLETS.join(' ')}); give a path to run something else`,
    );
  }
}

const BUILT_IN = new Set<string>();
for (const p of [...programNames(), 'busybox', ...APPLETS, ...fixturePrograms()]) BUILT_IN.add(p);

// The user's observe and whenDiffers are the user's code: whatever they do, the run goes on, and the report says what
// happened (a throw is no verdict on the engine, and never a crash of shmlab's).
function guarded(e: Experiment): Experiment {
  const { observe, whenDiffers } = e;
  const failed = (name: string, err: unknown) => `(${name} failed: ${oneLine(String((err as Error)?.message ?? err))})`;
  return {
    ...e,
    observe: (steps) => {
      try {
        const phrase: unknown = observe(steps);
        return typeof phrase === 'string' && phrase.trim() ? phrase : `(observe returned ${kindOf(phrase)})`;
      } catch (err) {
        return failed('observe', err);
      }
    },
    ...(whenDiffers
      ? {
          whenDiffers: (steps) => {
            try {
              const text: unknown = whenDiffers(steps);
              return typeof text === 'string' && text.trim() ? text : undefined;
            } catch (err) {
              return failed('whenDiffers', err);
            }
          },
        }
      : {}),
  };
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof RegExp) return 'a regular expression';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${shown(value)}`;
  return shown(value);
}

function shown(value: unknown): string {
  const text = typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
