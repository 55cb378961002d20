import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../src/paths.js';
import { standInEngine } from './holding-proxy.js';
import { NOT_HUNG_MS } from './not-hung.js';
import { type Answer, standIn as standInSocket } from './stand-in-socket.js';
import { staticProgram } from './static-program.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

const CLI = join(ROOT, 'dist/src/cli.js');
const dir = tempDir('shmlab-engine-answers-');

const standIn = (answer: (path: string) => Answer) => standInSocket(dir, answer);

// A run that gets as far as the images compiles the programs and sends the build context first: on a loaded machine
// that took over 60 s.
const shmlab = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [CLI, ...args], { reject: false, timeout: NOT_HUNG_MS, env: { ...process.env, ...env } });

// A static program of the test's own as the images' busybox: runs that get as far as the images need one.
let busybox: string;
beforeAll(async () => {
  busybox = await staticProgram(tempDir('shmlab-static-'), 'busybox');
});
afterAll(removeTempDirs);

describe('an engine that is not what it seems gets one sentence and exit 2', () => {
  it('an HTTP server that answers 200 to everything is not taken for Docker', async () => {
    const fake = standIn(() => ({ status: 200, body: {} }));
    try {
      const r = await shmlab(['run', '--report-dir', dir], { DOCKER_HOST: `unix://${fake.socket}` });
      expect({ exitCode: r.exitCode, lines: r.stderr.split('\n').length }).toEqual({ exitCode: 2, lines: 1 });
      expect(r.stderr).toMatch(
        /^shmlab: (The server at unix:\/\/.+ answered, but not as a Docker API engine does|The engine at unix:\/\/.+ answered but could not be used)/,
      );
    } finally {
      fake.server.close();
    }
  });

  it('an engine that answers /_ping and nothing else: one sentence within its deadline', async () => {
    const mute = standIn((path) => (path.includes('_ping') ? { status: 200, body: 'OK' } : 'hang'));
    try {
      const started = Date.now();
      const r = await shmlab(['run', '--report-dir', dir, '--timeout', '2'], { DOCKER_HOST: `unix://${mute.socket}` });
      expect(Date.now() - started).toBeLessThan(NOT_HUNG_MS);
      expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({
        exitCode: 2,
        stderr: `shmlab: The engine at unix://${mute.socket} answers /_ping but not its API within 2 s: restart it, or point DOCKER_HOST at another engine.`,
      });
    } finally {
      mute.server.close();
    }
  });

  it('an engine that fails every operation after describing itself: its words, one sentence, exit 2', async () => {
    const failing = standIn((path) => {
      if (path.includes('_ping')) return { status: 200, body: 'OK' };
      if (path.endsWith('/version')) return { status: 200, body: { Version: '99.0', ApiVersion: '1.41', Os: 'linux', KernelVersion: '6', Components: [] } };
      if (path.endsWith('/info'))
        return { status: 200, body: { OperatingSystem: 'Test', KernelVersion: '6', Driver: 'overlay2', CgroupVersion: '1', DefaultRuntime: 'runc' } };
      return { status: 500, body: { message: 'the engine went away' } };
    });
    try {
      const r = await shmlab(['run', '--report-dir', dir, '--timeout', '30'], { DOCKER_HOST: `unix://${failing.socket}`, SHMLAB_BUSYBOX: busybox });
      expect({ exitCode: r.exitCode, lines: r.stderr.split('\n').length }).toEqual({ exitCode: 2, lines: 1 });
      expect(r.stderr).toMatch(
        /^shmlab: The engine failed \(.*the engine went away.*\): check that it runs and answers, then try again; "shmlab clean" removes what this run could not\.$/,
      );
      // `clean` against it says what clean does, not what a run could not do.
      const c = await shmlab(['clean', '--timeout', '30'], { DOCKER_HOST: `unix://${failing.socket}`, SHMLAB_BUSYBOX: busybox });
      expect({ exitCode: c.exitCode, stderr: c.stderr }).toEqual({
        exitCode: 2,
        stderr: expect.stringMatching(
          /^shmlab: The engine failed \(.*the engine went away.*\): check that it runs and answers, then run "shmlab clean" again \(it removes what runs proven dead left behind, and the cached images no live run uses\)\.$/,
        ),
      });
    } finally {
      failing.server.close();
    }
  });

  // An image removed while the others are built (a prune, or a clean of another shmlab, between two builds).
  const notThere = { status: 404, body: { message: 'No such image' } };
  it.each<[string, (built: number) => { status: number; body: unknown } | undefined, RegExp]>([
    [
      'a build the engine fails in its stream ("failed to get digest")',
      () => ({
        status: 200,
        body: `${JSON.stringify({ stream: 'Step 1/6 : FROM scratch\n' })}\n${JSON.stringify({ errorDetail: { message: 'failed to get digest sha256:0123: image not found' }, error: 'failed to get digest sha256:0123: image not found' })}\n`,
      }),
      /^shmlab: The engine failed \(building shmlab\/lab:[0-9a-f]{12} failed: failed to get digest sha256:0123: image not found\): check that it runs and answers, then try again; "shmlab clean" removes what this run could not\.$/,
    ],
    [
      'an image gone as soon as it was built',
      () => ({ status: 200, body: `${JSON.stringify({ stream: 'Successfully built 0123\n' })}\n` }),
      /^shmlab: The engine failed \(the engine built shmlab\/lab:[0-9a-f]{12} but does not have it any more \(removed meanwhile\?\)\): check that it runs and answers, then try again; "shmlab clean" removes what this run could not\.$/,
    ],
  ])('%s: one sentence, exit 2', async (_, build, message) => {
    const engine = await standInEngine((req) => {
      const path = (req.url ?? '').replace(/\?.*$/, '');
      if (/\/images\/.+\/json$/.test(path)) return notThere;
      if (path.endsWith('/build')) return build(0);
      return undefined;
    });
    try {
      // The stand-in answers at once; the time allowed covers sending the build context on a loaded machine (15 s did not).
      const r = await shmlab(['run', '--report-dir', dir, '--timeout', '30'], { DOCKER_HOST: engine.address, SHMLAB_BUSYBOX: busybox });
      expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 2, stderr: expect.stringMatching(message) });
      expect(engine.requests.filter((q) => q.includes('/build'))).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });
});

describe('SHMLAB_BUSYBOX', () => {
  it('naming something other than a static program: one sentence, exit 2, and no image asked for', async () => {
    const engine = await standInEngine();
    try {
      const r = await shmlab(['run', '--report-dir', dir], { DOCKER_HOST: engine.address, SHMLAB_BUSYBOX: process.execPath });
      expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({
        exitCode: 2,
        stderr: `shmlab: SHMLAB_BUSYBOX=${process.execPath} is not a statically linked program: name a static busybox, or unset it to use /bin/busybox.`,
      });
      expect(engine.requests.filter((q) => q.includes('/images/'))).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});
