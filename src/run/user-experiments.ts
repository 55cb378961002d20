// User experiments (`shmlab run --experiments DIR`): every *.js or *.mjs file of DIR default-exports an Experiment
// (src/model/experiment.ts) or a list of them; DIR/bin/ holds static programs and DIR/c-src/*.c C programs that
// shmlab compiles static, both put in the images' /bin beside shmlab's own. Everything is checked before anything
// starts: a file that is not what it should be is one sentence naming the file and the field (a UsageError, exit 2).
// The roles, in ./user-experiments/: load-modules (a child process first, under a deadline), experiment-schema and
// check-schema (the fields, with ajv), cross-references (what a schema cannot say), user-programs (DIR/bin, DIR/c-src).
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { oneLine, UsageError } from '../errors.js';
import type { Experiment } from '../model/experiment.js';
import { schemaProblem } from './user-experiments/check-schema.js';
import { checkCrossReferences } from './user-experiments/cross-references.js';
import { exportsOf, proveModulesReturn, slugOf } from './user-experiments/load-modules.js';
import { ourPrograms, type UserPrograms, userPrograms } from './user-experiments/user-programs.js';
import { kindOf } from './user-experiments/words.js';

export { EXPERIMENT_SCHEMA } from './user-experiments/experiment-schema.js';
export { prepareUserPrograms } from './user-experiments/user-programs.js';

export interface UserExperiments extends UserPrograms {
  /** The folder as the user named it. */
  dir: string;
  experiments: Experiment[];
}

/** What of shmlab's own the user's experiments are checked against; the command line gives it (from experiments/). */
interface BuiltIn {
  /** shmlab's experiments: their slugs are taken. */
  experiments: readonly Experiment[];
  /** shmlab's image variants (experiments/images.ts): the images a container may name. */
  images: readonly string[];
}

/** How long one module may take to load (its top level) before it is taken for one that never returns. */
const LOAD_DEADLINE_MS = 10_000;

interface LoadOptions {
  /** Ends the load at once (the command line's signal). */
  signal?: AbortSignal;
  /** Per module; default LOAD_DEADLINE_MS. */
  deadlineMs?: number;
}

/** Loads and checks the experiments of `dir` against shmlab's own (`builtIn`: the slugs they must not take, its images). */
export async function loadUserExperiments(dir: string, builtIn: BuiltIn, options: LoadOptions = {}): Promise<UserExperiments> {
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
  const catalogue = { images: builtIn.images, ours: ourPrograms(), yours: programs };
  const taken = new Map(builtIn.experiments.map((e) => [e.slug, 'a built-in experiment']));
  const experiments: Experiment[] = [];
  for (const name of modules) {
    const file = join(dir, name);
    for (const [i, value, many] of await exportsOf(file, join(full, name))) {
      const where = many ? `${file}, experiment ${i + 1}${slugOf(value)}` : file;
      const fail = (field: string, problem: string): never => {
        throw new UsageError(`${where}: ${field} ${problem}.`);
      };
      // The schema first (every field of the right kind), then what refers to what.
      const experiment = withoutUndefined(value) as Experiment;
      const problem = schemaProblem(experiment);
      if (problem !== undefined) throw new UsageError(`${where}: ${problem}.`);
      checkCrossReferences(experiment, fail, catalogue);
      const owner = taken.get(experiment.slug);
      if (owner) fail(`slug "${experiment.slug}"`, `is already taken by ${owner}; choose another`);
      taken.set(experiment.slug, `the experiment of ${where}`);
      experiments.push(guarded(experiment));
    }
  }
  return { dir, experiments, binaries, cSrc, programs };
}

// A field set to undefined is absent, as the types and JSON have it: `{ exitCode: undefined }` checks no exit code. Plain
// objects and lists are copied without such fields; anything else (a function, a regular expression) is kept as it is.
function withoutUndefined(value: unknown, within: Set<unknown> = new Set()): unknown {
  if (typeof value !== 'object' || value === null || within.has(value)) return value;
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  within.add(value);
  const copy = Array.isArray(value)
    ? value.map((v) => withoutUndefined(v, within))
    : Object.fromEntries(
        Object.entries(value)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, withoutUndefined(v, within)]),
      );
  within.delete(value);
  return copy;
}

/** The most characters a brief may have (Experiment.brief): it shares a cell of the matrix with the verdict's sign. */
const BRIEF_MAX = 12;

// The user's observe, brief and whenDiffers are the user's code: whatever they do, the run goes on, and the report says
// what happened (a throw is no verdict on the engine, and never a crash of shmlab's).
function guarded(e: Experiment): Experiment {
  const { observe, brief, whenDiffers } = e;
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
    ...(brief
      ? {
          brief: (steps) => {
            try {
              const word: unknown = brief(steps);
              if (typeof word !== 'string' || !word.trim()) return `(brief returned ${kindOf(word)})`;
              return word.length <= BRIEF_MAX ? word : `(brief returned ${kindOf(word)}, longer than ${BRIEF_MAX} characters)`;
            } catch (err) {
              return failed('brief', err);
            }
          },
        }
      : {}),
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
