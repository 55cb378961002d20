// A signal while shmlab waits outside any experiment (connecting, describing the engine, inspecting or building its
// images, compiling its programs) ends the run at once with the signal's exit code, whatever --timeout says. The
// engine is a stand-in that describes itself and then holds what the phase asks; no real engine. SHMLAB_BUSYBOX names
// a static program of the test's own, so that nothing the engine tests' setup installs is needed.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../src/paths.js';
import { type StandInAnswer, type StandInEngine, standInEngine } from './holding-proxy.js';
import { NOT_HUNG_MS } from './not-hung.js';
import { staticProgram } from './static-program.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

const CLI = join(ROOT, 'dist/src/cli.js');
let busybox: string;

beforeAll(async () => {
  busybox = await staticProgram(tempDir('shmlab-static-'), 'busybox');
});
afterAll(removeTempDirs);

const path = (url = '') => url.replace(/\?.*$/, '');

/** What each phase's stand-in holds; the rest is answered (an image inspect: not there). */
const PHASES: [phase: string, answer: (req: { method?: string; url?: string }) => StandInAnswer | undefined, waitedFor: RegExp][] = [
  ['connecting', (req) => (path(req.url).endsWith('/info') ? 'hold' : undefined), /^interrupted \(SIGTERM\) while connecting to the engine at unix:\/\/.+$/],
  [
    'describing the engine',
    (req) => (path(req.url).endsWith('/version') ? 'hold' : undefined),
    /^interrupted \(SIGTERM\) while waiting for the engine \(describe the engine\)$/,
  ],
  ['inspecting an image', () => undefined, /^interrupted \(SIGTERM\) while waiting for the engine \(inspect an image\)$/],
  [
    'building an image',
    (req) => (/\/images\/.+\/json$/.test(path(req.url)) ? { status: 404, body: { message: 'No such image' } } : undefined),
    /^interrupted \(SIGTERM\) while waiting for the engine \(build shmlab\/lab:[0-9a-f]{12}\)$/,
  ],
];

describe('SIGTERM while shmlab waits outside any experiment', () => {
  let engine: StandInEngine | undefined;
  afterAll(async () => engine?.close());

  it.each(PHASES.flatMap(([phase, answer, waitedFor]) => [undefined, '3600'].map((timeout) => [phase, timeout, answer, waitedFor] as const)))(
    'while %s (--timeout %s): ends at once with exit 143, saying what it waited for',
    async (_, timeout, answer, waitedFor) => {
      await engine?.close();
      engine = await standInEngine(answer);
      const child = execa(process.execPath, [CLI, 'run', '--report-dir', tempDir(), ...(timeout ? ['--timeout', timeout] : [])], {
        reject: false,
        timeout: 180_000,
        env: { ...process.env, DOCKER_HOST: engine.address, SHMLAB_BUSYBOX: busybox },
        forceKillAfterDelay: false,
      });
      // The programs may be compiled first (a fresh cache): what is measured starts once the engine holds a request.
      const deadline = Date.now() + 150_000;
      while (engine.held() === 0 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      expect(engine.held(), engine.requests.join(', ')).toBe(1);
      await new Promise((r) => setTimeout(r, 500));
      const signalled = Date.now();
      child.kill('SIGTERM');
      const r = await child;
      const took = Date.now() - signalled;
      const lines = r.stderr.split('\n');
      expect({ exitCode: r.exitCode, first: lines[0], count: lines.length }).toEqual({
        exitCode: 143,
        first: 'shmlab: SIGTERM: stopping after the current steps and cleaning up...',
        count: 2,
      });
      expect(lines[1]!.replace(/^shmlab: /, '')).toMatch(waitedFor);
      expect(took).toBeLessThan(NOT_HUNG_MS);
    },
  );
});

describe('SIGTERM while `shmlab clean` waits for an engine that holds its requests', () => {
  it('ends at once with exit 143, saying what it waited for', async () => {
    const engine = await standInEngine();
    try {
      const child = execa(process.execPath, [CLI, 'clean', '--timeout', '3600'], {
        reject: false,
        timeout: 180_000,
        env: { ...process.env, DOCKER_HOST: engine.address, SHMLAB_BUSYBOX: busybox },
        forceKillAfterDelay: false,
      });
      const deadline = Date.now() + 150_000;
      while (engine.held() === 0 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      expect(engine.held(), engine.requests.join(', ')).toBe(1);
      const signalled = Date.now();
      child.kill('SIGTERM');
      const r = await child;
      expect({ exitCode: r.exitCode, last: r.stderr.split('\n').at(-1) }).toEqual({
        exitCode: 143,
        last: 'shmlab: interrupted (SIGTERM) while waiting for the engine (inspect an image)',
      });
      expect(Date.now() - signalled).toBeLessThan(NOT_HUNG_MS);
    } finally {
      await engine.close();
    }
  });
});

describe('SIGTERM while shmlab compiles its programs', () => {
  it('ends at once with exit 143, and leaves no work folder in the cache, and nothing of the compilers in TMPDIR', async () => {
    const cache = tempDir('shmlab-cache-');
    const temp = tempDir('shmlab-tmpdir-');
    const engine = await standInEngine();
    try {
      const child = execa(process.execPath, [CLI, 'run', '--report-dir', tempDir()], {
        reject: false,
        timeout: 180_000,
        env: { ...process.env, DOCKER_HOST: engine.address, SHMLAB_CACHE_DIR: cache, SHMLAB_BUSYBOX: busybox, TMPDIR: temp },
        forceKillAfterDelay: false,
      });
      const compiling = () => readdirSync(join(cache, 'programs'), { withFileTypes: true }).some((e) => /\.tmp-/.test(e.name));
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && child.exitCode === null && !(safe(compiling) && engine.requests.length > 0)) await new Promise((r) => setTimeout(r, 20));
      expect(safe(compiling), 'the compile had begun').toBe(true);
      const signalled = Date.now();
      child.kill('SIGTERM');
      const r = await child;
      expect({ exitCode: r.exitCode, last: r.stderr.split('\n').at(-1) }).toEqual({
        exitCode: 143,
        last: 'shmlab: interrupted (SIGTERM) while compiling the C programs',
      });
      expect(Date.now() - signalled).toBeLessThan(NOT_HUNG_MS);
      expect(readdirSync(join(cache, 'programs'))).toEqual([]);
      // The compilers' temporary files (a SIGKILL leaves them) went with the folder shmlab gave them.
      expect(readdirSync(temp)).toEqual([]);
      // No compiler of the run's goes on (cc, and the cc1, as and ld it started: their command lines name the cache).
      expect(processesNaming(cache)).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});

function processesNaming(text: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const cmdline = readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return cmdline.includes(text) ? [`${p}: ${cmdline}`] : [];
      } catch {
        return []; // gone meanwhile
      }
    });
}

function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
