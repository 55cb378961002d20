// Bad input, fed to the real command line: each gets one sentence on stderr and its documented exit code, and where
// the input alone is wrong, not a single request reaches the engine (a recording stand-in at DOCKER_HOST).

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../src/paths.js';
import { type Answer, standIn as standInSocket } from './stand-in-socket.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

const CLI = join(ROOT, 'dist/src/cli.js');
const dir = tempDir('shmlab-bad-input-');
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const standIn = (answer: (path: string) => Answer) => standInSocket(dir, answer);

const recorder = standIn(() => ({ status: 200, body: 'OK' }));
file('cache-file', 'not a folder\n');
const shmlab = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [CLI, ...args], { reject: false, timeout: 60_000, env: { ...process.env, DOCKER_HOST: `unix://${recorder.socket}`, ...env } });

// Folders that cannot be written whoever asks (root included): a read-only mount, and a full one (1 MiB, filled).
const readOnly = join(dir, 'read-only');
const full = join(dir, 'full');

beforeAll(async () => {
  mkdirSync(join(dir, 'a-folder'));
  execFileSync('mkfifo', [join(dir, 'fifo.json')]);
  for (const [folder, options] of [
    [readOnly, 'ro,size=1m'],
    [full, 'size=1m'],
  ]) {
    mkdirSync(folder!);
    execFileSync('mount', ['-t', 'tmpfs', '-o', options!, 'shmlab-test', folder!]);
  }
  writeFileSync(join(full, 'filler'), Buffer.alloc(1024 * 1024 - 64 * 1024));
});

afterAll(() => {
  recorder.server.close();
  for (const folder of [readOnly, full]) execFileSync('umount', [folder]);
  removeTempDirs();
});

const notReport = '^shmlab: .+ is not a shmlab report: ';
const obs = JSON.parse(readFileSync(join(ROOT, 'test/observations/docker-20.10.json'), 'utf8'));

describe('bad input is refused with one sentence, before any request to the engine', () => {
  it.each<[string, () => string[], RegExp, Record<string, string>?]>([
    ['compare: a report of null', () => ['compare', file('null.json', 'null')], new RegExp(`${notReport}the top level must be an object \\(it is null\\)\\.$`)],
    ['compare: a list', () => ['compare', file('list.json', '[]')], new RegExp(`${notReport}the top level must be an object \\(it is a list\\)\\.$`)],
    [
      'compare: malformed experiments',
      () => ['compare', file('bad.json', JSON.stringify({ ...obs, experiments: [{ ...obs.experiments[0], slug: 1 }] }))],
      new RegExp(`${notReport}/experiments/0/slug must be a string \\(it is 1\\)\\.$`),
    ],
    [
      'compare: no privilege',
      () => ['compare', file('noprivilege.json', JSON.stringify({ ...obs, privilege: undefined }))],
      new RegExp(`${notReport}/privilege is missing\\.$`),
    ],
    ['compare: a FIFO (would hang)', () => ['compare', join(dir, 'fifo.json')], /^shmlab: Cannot read the report .+fifo\.json \(not a regular file\)\.$/],
    [
      'compare: --out /dev/full',
      () => ['compare', join(ROOT, 'test/observations/docker-20.10.json'), '--out', '/dev/full'],
      /^shmlab: Cannot write \/dev\/full: something other than a file is there \(a device or socket\); choose another --out\.$/,
    ],
    [
      'compare: --out a folder',
      () => ['compare', join(ROOT, 'test/observations/docker-20.10.json'), '--out', join(dir, 'a-folder')],
      /^shmlab: Cannot write .+a-folder: something other than a file is there \(a folder\); choose another --out\.$/,
    ],
    [
      'matrix: an engines file of null',
      () => ['matrix', '--engines', file('null-engines.json', 'null')],
      /^shmlab: The engines file .+ must be an object with an "engines" list, got null\.$/,
    ],
    [
      'matrix: an engines file of [null]',
      () => ['matrix', '--engines', file('list-engines.json', '[null]')],
      /^shmlab: The engines file .+ must be an object with an "engines" list, got a list\.$/,
    ],
    [
      'matrix: an engine entry of null',
      () => ['matrix', '--engines', file('entry-engines.json', '{"engines":[null]}')],
      /^shmlab: .+engine 1: expected an object with "name" and "kind", got null\.$/,
    ],
    [
      'matrix: an engines file that is a FIFO',
      () => ['matrix', '--engines', join(dir, 'fifo.json')],
      /^shmlab: Cannot read the engines file .+ \(not a regular file\)\.$/,
    ],
    [
      'run: the same experiment twice in --only',
      () => ['run', '--only', 'sysv-restart,sysv-restart'],
      /^shmlab: --only names sysv-restart twice; name each experiment once\.$/,
    ],
    ['run: an empty --report-dir', () => ['run', '--report-dir', ''], /^shmlab: Expected --report-dir to name a folder, got an empty name\.$/],
    [
      'run: a --timeout of 0',
      () => ['run', '--timeout', '0'],
      /^shmlab: Expected --timeout to be a number of seconds from 1 to 3600 \(such as 60 or 2\.5\), got "0"\.$/,
    ],
    [
      'run: a --timeout of -1',
      () => ['run', '--timeout', '-1'],
      /^shmlab: Expected --timeout to be a number of seconds from 1 to 3600 \(such as 60 or 2\.5\), got "-1"\.$/,
    ],
    [
      'run: a --timeout of 0x10',
      () => ['run', '--timeout', '0x10'],
      /^shmlab: Expected --timeout to be a number of seconds from 1 to 3600 \(such as 60 or 2\.5\), got "0x10"\.$/,
    ],
    [
      'run: a --timeout of 0.0001',
      () => ['run', '--timeout', '0.0001'],
      /^shmlab: Expected --timeout to be a number of seconds from 1 to 3600 \(such as 60 or 2\.5\), got "0\.0001"\.$/,
    ],
    [
      'clean: a --timeout of -5',
      () => ['clean', '--timeout', '-5'],
      /^shmlab: Expected --timeout to be a number of seconds from 1 to 3600 \(such as 60 or 2\.5\), got "-5"\.$/,
    ],
    ['run: a --concurrency of -3', () => ['run', '--concurrency', '-3'], /^shmlab: Expected --concurrency to be a positive whole number, got "-3"\.$/],
    ['run: a --concurrency of 0x10', () => ['run', '--concurrency', '0x10'], /^shmlab: Expected --concurrency to be a positive whole number, got "0x10"\.$/],
    [
      'compare: --out into a read-only folder',
      () => ['compare', join(ROOT, 'test/observations/docker-20.10.json'), '--out', join(readOnly, 'matrix.md')],
      /^shmlab: Cannot write reports to .+\/read-only \(EROFS\); choose another --out\.$/,
    ],
    [
      'run: DOCKER_HOST an IPv6 address where nothing listens',
      () => ['run', '--report-dir', dir],
      /^shmlab: The engine at DOCKER_HOST=tcp:\/\/\[::1\]:1 does not answer \(nothing listens there\): start it, or point DOCKER_HOST at one that runs\.$/,
      { DOCKER_HOST: 'tcp://[::1]:1' },
    ],
    [
      'run: a CRI runtime whose socket nobody listens on: no gRPC internals',
      () => ['run', '--engine', `cri=unix://${file('not-a-socket', '')}`, '--report-dir', dir],
      /^shmlab: The CRI runtime at CONTAINER_RUNTIME_ENDPOINT=unix:\/\/.+\/not-a-socket does not answer \(connect ECONNREFUSED .+\/not-a-socket\): start it, or point CONTAINER_RUNTIME_ENDPOINT at one that runs\.$/,
    ],
    [
      'run: SHMLAB_CACHE_DIR a file',
      () => ['run', '--report-dir', dir],
      /^shmlab: The cache folder .+\/cache-file cannot take the compiled programs \(ENOTDIR\): set SHMLAB_CACHE_DIR to a writable folder with room, then try again\.$/,
      { SHMLAB_CACHE_DIR: join(dir, 'cache-file') },
    ],
    [
      'run: SHMLAB_CACHE_DIR a read-only folder',
      () => ['run', '--report-dir', dir],
      /^shmlab: The cache folder .+\/read-only\/cache cannot take the compiled programs \(EROFS\): set SHMLAB_CACHE_DIR to a writable folder with room, then try again\.$/,
      { SHMLAB_CACHE_DIR: join(readOnly, 'cache') },
    ],
    [
      'matrix: SHMLAB_CACHE_DIR a file, before any engine is started',
      () => ['matrix', '--engine', `x=unix://${recorder.socket}`, '--report-dir', dir],
      /^shmlab: The cache folder .+\/cache-file cannot take the compiled programs \(ENOTDIR\): set SHMLAB_CACHE_DIR to a writable folder with room, then try again\.$/,
      { SHMLAB_CACHE_DIR: join(dir, 'cache-file') },
    ],
    [
      'clean: SHMLAB_CACHE_DIR a full folder',
      () => ['clean'],
      /^shmlab: The cache folder .+\/full cannot take the compiled programs \(\d+ KiB free, compiling needs 32 MiB\): set SHMLAB_CACHE_DIR to a writable folder with room, then try again\.$/,
      { SHMLAB_CACHE_DIR: full },
    ],
    [
      'run: DOCKER_HOST of only blanks',
      () => ['run'],
      /^shmlab: DOCKER_HOST is set but blank: unset it to use the default engine, or give an address such as unix:\/\/\/var\/run\/docker\.sock$/,
      { DOCKER_HOST: '   ' },
    ],
    [
      'run: a CRI runtime that is not there',
      () => ['run', '--engine', 'cri=unix:///nonexistent/containerd.sock', '--report-dir', dir],
      /^shmlab: The CRI runtime at CONTAINER_RUNTIME_ENDPOINT=unix:\/\/\/nonexistent\/containerd\.sock does not answer \(no socket there\): start it, or point CONTAINER_RUNTIME_ENDPOINT at one that runs\.$/,
    ],
    [
      'run: a bad --engine',
      () => ['run', '--engine', 'cri=tcp://127.0.0.1:1'],
      /^shmlab: Expected --engine cri=unix:\/\/\/path\/to\/containerd\.sock or docker=unix:\/\/\/path\/to\/docker\.sock, got "cri=tcp:\/\/127\.0\.0\.1:1"\.$/,
    ],
    [
      'run: TMPDIR missing',
      () => ['run', '--report-dir', dir],
      /^shmlab: The temporary folder \/nonexistent-shmlab cannot be written \(ENOENT\): set TMPDIR to a writable folder\.$/,
      { TMPDIR: '/nonexistent-shmlab' },
    ],
    [
      'run: no cc and nothing compiled yet',
      () => ['run', '--report-dir', dir],
      /^shmlab: No C compiler \(cc\) on PATH: install gcc and libc6-dev \(Debian: apt-get install gcc libc6-dev\), then try again\.$/,
      { PATH: '/nonexistent', SHMLAB_CACHE_DIR: join(dir, 'empty-cache') },
    ],
  ])('%s', async (_, args, message, env) => {
    const before = recorder.requests.length;
    const r = await shmlab(args(), env);
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 2, stderr: expect.stringMatching(message) });
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(recorder.requests.slice(before)).toEqual([]);
  });
});
