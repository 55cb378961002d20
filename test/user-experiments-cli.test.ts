// User experiments on the command line: one sentence, exit 2, and no engine asked; a module that never returns from
// loading is interrupted, and leaves no process behind.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { InterruptedError, UsageError } from '../src/errors.js';
import { ROOT } from '../src/paths.js';
import { loadUserExperiments } from '../src/run/user-experiments.js';
import { NOT_HUNG_MS } from './not-hung.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';
import { BASE, BUILT_IN, folder } from './user-experiments-kit.js';

afterAll(removeTempDirs);

describe('a module that does not return when it is loaded', () => {
  const never = (source: string) => {
    const dir = tempDir('shmlab-user-');
    writeFileSync(join(dir, 'a-good.mjs'), `export default ${BASE};\n`);
    writeFileSync(join(dir, 'b-stuck.mjs'), source);
    return { dir, file: join(dir, 'b-stuck.mjs') };
  };

  it.each<[string, string, (file: string) => string]>([
    [
      'a loop at its top level',
      'while (true) {}\nexport default 1;\n',
      (f) => `${f} did not finish loading within 10 s (a loop at its top level that never ends?); a module must return when it is imported.`,
    ],
    [
      'a timer it waits for',
      'await new Promise((r) => setTimeout(r, 3_600_000));\nexport default 1;\n',
      (f) => `${f} did not finish loading within 10 s (a loop at its top level that never ends?); a module must return when it is imported.`,
    ],
    [
      'an await that never settles',
      'await new Promise(() => {});\nexport default 1;\n',
      (f) =>
        `${f} cannot be loaded: its top level waits for something that never comes (an await that never settles); a module must only define and export its experiments.`,
    ],
    [
      'process.exit at its top level',
      'process.exit(0);\n',
      (f) =>
        `${f} cannot be loaded: it ends the process when it is loaded (exit 0; process.exit at its top level?); a module must only define and export its experiments.`,
    ],
  ])('%s: one sentence naming the file, within the deadline, and this process goes on', async (_, source, message) => {
    const { dir, file } = never(source);
    const started = Date.now();
    // Long enough for the good module beside it on a loaded machine (1 s was not, with a matrix running beside).
    const err = await loadUserExperiments(dir, BUILT_IN, { deadlineMs: 10_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(message(file));
    expect(Date.now() - started).toBeLessThan(NOT_HUNG_MS);
  });

  it('a signal ends the load at once', async () => {
    // The stuck module alone: with a good one before it, a loaded machine may still be loading that one at the signal.
    const dir = tempDir('shmlab-user-');
    const file = join(dir, 'stuck.mjs');
    writeFileSync(file, 'while (true) {}\n');
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGTERM'), 300);
    const started = Date.now();
    await expect(loadUserExperiments(dir, BUILT_IN, { signal: controller.signal, deadlineMs: 60_000 })).rejects.toThrow(
      new InterruptedError(`interrupted (SIGTERM) while loading ${file}`),
    );
    expect(Date.now() - started).toBeLessThan(NOT_HUNG_MS);
  });
});

describe('--experiments on the command line: one sentence, exit 2, and no engine asked', () => {
  const CLI = join(ROOT, 'dist/src/cli.js');
  // An engine address where nothing answers: a request would turn into another message.
  const shmlab = (args: string[]) =>
    execa(process.execPath, [CLI, ...args], { reject: false, timeout: 120_000, env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });

  it.each<[string, () => string[], string | RegExp]>([
    [
      'run: a bad experiment file',
      () => ['run', '--experiments', folder("e.steps[1].container = 'db';"), '--report-dir', tempDir()],
      /^shmlab: .+\/mine\.mjs: steps\[1\]\.container is "db", which is not one of its containers \(app\)\.$/,
    ],
    [
      'matrix: a bad experiment file',
      () => ['matrix', '--engine', 'x=unix:///nonexistent.sock', '--experiments', folder('e.expect = [];'), '--report-dir', tempDir()],
      /^shmlab: .+\/mine\.mjs: expect must not be an empty list\.$/,
    ],
    [
      'run: --only a slug no folder has',
      () => ['run', '--experiments', join(ROOT, 'examples/exclusive-segment'), '--only', 'exclusive-segmnt'],
      /^shmlab: Unknown experiment exclusive-segmnt; run "shmlab list" to see them \(sysv-restart, .*, exclusive-segment\)\.$/,
    ],
    [
      'run: an empty --experiments',
      () => ['run', '--experiments', ''],
      'shmlab: Expected --experiments to name a folder of experiment modules, got an empty name.',
    ],
    [
      'run: C that does not compile',
      () => ['run', '--experiments', folder('', { 'c-src/broken.c': 'int main(void) { return nope; }\n' }), '--only', 'my-exp', '--report-dir', tempDir()],
      /^shmlab: .+\/c-src\/broken\.c does not compile \(cc -static -O2 -s -Wall\): broken\.c:1:.*error: .nope. undeclared.*$/,
    ],
  ])('%s', async (_, args, message) => {
    const r = await shmlab(args());
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 2, stderr: typeof message === 'string' ? message : expect.stringMatching(message) });
  });

  it('run: a module that never returns is one sentence naming it, exit 2, within its deadline', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'stuck.mjs'), 'while (true) {}\n');
    const started = Date.now();
    const r = await shmlab(['run', '--experiments', dir, '--report-dir', tempDir()]);
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({
      exitCode: 2,
      stderr: `shmlab: ${join(dir, 'stuck.mjs')} did not finish loading within 10 s (a loop at its top level that never ends?); a module must return when it is imported.`,
    });
    expect(Date.now() - started).toBeLessThan(NOT_HUNG_MS);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const)('run: %s while a module loads ends shmlab at once, with its exit code', async (signal, code) => {
    const dir = folder();
    // The module says when its endless loop begins: the signal must come then, not while mine.mjs loads (on a loaded
    // machine neither a second of wall time nor a second of the loader's CPU told it: the load's own limit came first).
    const looping = join(tempDir(), 'looping');
    writeFileSync(join(dir, 'stuck.mjs'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(looping)}, '');\nwhile (true) {}\n`);
    const child = execa(process.execPath, [CLI, 'run', '--experiments', dir, '--report-dir', tempDir()], {
      reject: false,
      timeout: 120_000,
      env: { DOCKER_HOST: 'unix:///nonexistent.sock' },
      forceKillAfterDelay: false,
    });
    const deadline = Date.now() + NOT_HUNG_MS;
    while (!existsSync(looping) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const signalled = Date.now();
    child.kill(signal);
    const r = await child;
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({
      exitCode: code,
      stderr: `shmlab: ${signal}: stopping after the current steps and cleaning up...\nshmlab: interrupted (${signal}) while loading ${join(dir, 'stuck.mjs')}`,
    });
    expect(Date.now() - signalled).toBeLessThan(NOT_HUNG_MS);
    expect(childrenOf(child.pid!)).toEqual([]);
  });
});

/** The processes whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        // The parent is the 4th field, after the command's name in parentheses.
        return (
          Number(
            readFileSync(`/proc/${p}/stat`, 'utf8')
              .replace(/^.*\) /s, '')
              .split(' ')[1],
          ) === pid
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}
