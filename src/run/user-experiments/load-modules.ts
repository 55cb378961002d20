// Loading the user's modules: first in a child process under a deadline (a module is the user's code, and its top
// level may never return), then here, for their default exports.
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { interruption } from '../../engine/interruption.js';
import { oneLine, UsageError } from '../../errors.js';

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
export async function proveModulesReturn(files: { shown: string; full: string }[], deadlineMs: number, signal?: AbortSignal): Promise<void> {
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
export async function exportsOf(file: string, full: string): Promise<[number, unknown, boolean][]> {
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

export function slugOf(value: unknown): string {
  const slug = (value as { slug?: unknown } | null)?.slug;
  return typeof slug === 'string' ? ` (${slug})` : '';
}
