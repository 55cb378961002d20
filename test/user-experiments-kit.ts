// Shared by the user-experiment tests: a folder holding one experiment module, changed by a patch, and the loader's
// one-sentence refusal of it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { IMAGES } from '../experiments/images.js';
import { EXPERIMENTS } from '../experiments/index.js';
import { UsageError } from '../src/errors.js';
import { loadUserExperiments, type UserExperiments } from '../src/run/user-experiments.js';
import { staticProgram } from './static-program.js';
import { tempDir } from './temp-dirs.js';

let tiny: Promise<string> | undefined;
/** A static program of the test's own: nothing here needs what only the engine tests' setup installs (busybox-static). */
export function tinyProgram(): Promise<string> {
  tiny ??= staticProgram(tempDir('shmlab-static-'));
  return tiny;
}
export const BASE = `{
  slug: 'my-exp',
  title: 'A segment of mine across a restart',
  section: 'C',
  source: 'my own question',
  blogSaw: '—',
  expectedToday: 'gone',
  explanation: 'The IPC namespace goes with the container.',
  containers: { app: {} },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'read', do: 'exec', container: 'app', cmd: ['sysv-read', '--key', '1'] },
  ],
  expect: [{ step: 'read', means: 'nothing there', exitCode: 10 }],
  observe: (steps) => (steps.get('read') ? 'read' : 'not run'),
}`;

/** A folder with one module: the base experiment, changed by `patch` (JavaScript run on `e` before it is exported). */
export function folder(patch = '', files: Record<string, string> = {}): string {
  const dir = tempDir('shmlab-user-');
  writeFileSync(join(dir, 'mine.mjs'), `const e = ${BASE};\n${patch}\nexport default e;\n`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

export const BUILT_IN = { experiments: EXPERIMENTS, images: Object.keys(IMAGES) };
export const load = (dir: string): Promise<UserExperiments> => loadUserExperiments(dir, BUILT_IN);
export const refusal = async (dir: string) => {
  const err = await load(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  expect((err as Error).message.split('\n')).toHaveLength(1);
  return (err as Error).message;
};

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
