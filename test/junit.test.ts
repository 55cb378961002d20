// `--junit FILE`: the results as JUnit XML, one test case per experiment, parsed back here with a small strict reader
// (well-formed tags, quoted attributes, known entities only, no character XML 1.0 cannot hold). No engine.

import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExperimentResult } from '../src/model/result.js';
import { ROOT } from '../src/paths.js';
import { classNameOf, junitTarget, renderJUnit, writeJUnit } from '../src/report/junit.js';
import { ReportWriteError } from '../src/report/write-report.js';
import { record, runResult } from './records.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

afterAll(removeTempDirs);

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const ENTITY = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
const unescapeXml = (s: string) =>
  s.replace(
    ENTITY,
    (_, e: string) =>
      ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e] ??
      String.fromCodePoint(e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1))),
  );

/** A strict reader for the XML shmlab writes: throws on anything a conforming parser would refuse. */
function parseXml(xml: string): XmlNode {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: what XML 1.0 cannot hold
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(xml)) throw new Error('a character XML 1.0 cannot hold');
  const body = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  if (body === xml) throw new Error('no XML declaration');
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  for (const token of body.match(/<[^>]*>|[^<]+/g) ?? []) {
    const top = stack[stack.length - 1]!;
    if (!token.startsWith('<')) {
      if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(token) || token.includes('>')) throw new Error(`bad text ${JSON.stringify(token)}`);
      top.text += unescapeXml(token);
      continue;
    }
    const close = /^<\/([A-Za-z][\w.-]*)>$/.exec(token);
    if (close) {
      if (close[1] !== top.name) throw new Error(`</${close[1]}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const open = /^<([A-Za-z][\w.-]*)((?:\s+[A-Za-z][\w.-]*="[^"<]*")*)\s*(\/?)>$/.exec(token);
    if (!open) throw new Error(`malformed tag ${JSON.stringify(token)}`);
    const attrs: Record<string, string> = {};
    for (const [, k, v] of open[2]!.matchAll(/([A-Za-z][\w.-]*)="([^"]*)"/g)) {
      if (k! in attrs) throw new Error(`attribute ${k} twice`);
      if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(v!)) throw new Error(`bad attribute ${k}`);
      attrs[k!] = unescapeXml(v!);
    }
    const node: XmlNode = { name: open[1]!, attrs, children: [], text: '' };
    top.children.push(node);
    if (!open[3]) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]!.name}> is not closed`);
  if (root.children.length !== 1 || root.text.trim()) throw new Error('not one root element');
  return root.children[0]!;
}

const all = (node: XmlNode, name: string): XmlNode[] => [...node.children.filter((c) => c.name === name), ...node.children.flatMap((c) => all(c, name))];

const nasty = 'a <tag> & "quotes" \'apostrophes\'\nsecond line\ttab \u0000nul \u001b[31mcolour';
const results: ExperimentResult[] = [
  {
    slug: 'sysv-restart',
    verdict: 'as expected',
    observed: 'lost (ENOENT)',
    differences: [],
    steps: [record('read', { stdout: 'a b c\n' })],
    durationMs: 1234,
    grants: [],
  },
  {
    slug: 'mmap-restart',
    verdict: 'differs',
    observed: 'kept <really>',
    differences: [
      { step: 'read-after', means: 'the data is gone', detail: `exit code: expected 10, got 0 (${nasty})` },
      { step: 'diff', means: 'the file is in the layer', detail: 'stdout: expected "A /shm.txt", got ""' },
    ],
    steps: [record('read-after', { stdout: nasty })],
    durationMs: 5,
    grants: [],
    instead: 'The engine **kept** it.',
  },
  {
    slug: 'init-hook',
    verdict: 'error',
    observed: 'engine error',
    differences: [],
    error: 'run (docker run x): the engine went away\nsecond line of it',
    steps: [],
    durationMs: 70,
    grants: [],
  },
  {
    slug: 'pause-unpause',
    verdict: 'not applicable',
    observed: 'Kubernetes (CRI) has no pause operation',
    differences: [],
    steps: [],
    durationMs: 0,
    grants: [],
    engineNote: 'Kubernetes (CRI) has no pause operation, which step pause needs.',
  },
];
const docker = runResult(results, { durationMs: 61_500 });
const cri = runResult([results[0]!, results[3]!], {
  environment: { ...docker.environment, kind: 'cri', runtimeName: 'containerd', serverVersion: '1.6.20~ds1' },
  incomplete: 'interrupted (SIGINT) after 2 of 4 experiments',
});

describe('renderJUnit', () => {
  const xml = renderJUnit([docker]);
  const suites = parseXml(xml);
  const suite = all(suites, 'testsuite')[0]!;
  const cases = all(suite, 'testcase');

  it('is well-formed XML: one testsuite named by the engine, one testcase per experiment', () => {
    expect(suites.name).toBe('testsuites');
    expect(suites.attrs).toMatchObject({ name: 'shmlab', tests: '4', failures: '1', errors: '1', time: '61.500' });
    expect(suites.attrs.skipped).toBeUndefined();
    expect(all(suites, 'testsuite')).toHaveLength(1);
    expect(suite.attrs).toMatchObject({
      name: 'Docker 99.0',
      tests: '4',
      failures: '1',
      errors: '1',
      skipped: '1',
      time: '61.500',
      timestamp: '2026-01-01T00:00:00',
    });
    expect(cases.map((c) => c.attrs.name)).toEqual(['sysv-restart', 'mmap-restart', 'init-hook', 'pause-unpause']);
    expect(cases.map((c) => c.attrs.classname)).toEqual(Array(4).fill('shmlab.docker-99_0'));
    expect(cases.map((c) => c.attrs.time)).toEqual(['1.234', '0.005', '0.070', '0.000']);
    expect(Object.fromEntries(all(suite, 'property').map((p) => [p.attrs.name, p.attrs.value]))).toMatchObject({
      'engine.kind': 'docker',
      'engine.address': 'unix:///var/run/docker.sock',
      privilege: 'not needed',
      'run.id': 'test',
    });
  });

  it('passes as expected: no failure, the observation in system-out', () => {
    expect(cases[0]!.children.map((c) => c.name)).toEqual(['system-out']);
    expect(all(cases[0]!, 'system-out')[0]!.text).toMatch(/^observed: lost \(ENOENT\)\n\n\$ docker exec app read\na b c\n\[exit 0, /);
  });

  it('fails differs with the first difference as message and every difference in the body, escaped and given back whole', () => {
    const failure = all(cases[1]!, 'failure')[0]!;
    const readable = nasty.replace('\u0000', '\\x00').replace('\u001b', '\\x1b');
    expect(failure.attrs.type).toBe('differs');
    expect(failure.attrs.message).toBe(`read-after (the data is gone): exit code: expected 10, got 0 (${readable})`);
    expect(failure.text).toBe(
      `read-after (the data is gone): exit code: expected 10, got 0 (${readable})\ndiff (the file is in the layer): stdout: expected "A /shm.txt", got ""\n\nThe engine **kept** it.`,
    );
    expect(all(cases[1]!, 'system-out')[0]!.text).toContain(`observed: kept <really>\n`);
  });

  it('reports error as <error>, its first line the message', () => {
    const error = all(cases[2]!, 'error')[0]!;
    expect(error.attrs).toEqual({ message: 'run (docker run x): the engine went away', type: 'error' });
    expect(error.text).toBe('run (docker run x): the engine went away\nsecond line of it');
  });

  it('skips not applicable, saying why', () => {
    expect(cases[3]!.children).toEqual([
      { name: 'skipped', attrs: { message: 'Kubernetes (CRI) has no pause operation, which step pause needs.' }, children: [], text: '' },
    ]);
  });

  it('gives the matrix one testsuite per engine, and says when a run is incomplete', () => {
    const both = parseXml(renderJUnit([docker, cri]));
    expect(both.attrs).toMatchObject({ tests: '6', failures: '1', errors: '1' });
    const [first, second] = all(both, 'testsuite');
    expect([first!.attrs.name, second!.attrs.name]).toEqual(['Docker 99.0', 'containerd 1.6.20~ds1 (Kubernetes CRI)']);
    expect(all(second!, 'testcase').map((c) => c.attrs.classname)).toEqual(Array(2).fill(classNameOf(cri)));
    expect(classNameOf(cri)).toBe('shmlab.containerd-1_6_20_ds1');
    expect(all(second!, 'system-err')[0]!.text).toBe('incomplete run: interrupted (SIGINT) after 2 of 4 experiments');
  });
});

describe('writeJUnit and --junit', () => {
  it('writes the file whole, with no temporary file left', () => {
    const dir = tempDir();
    writeJUnit(join(dir, 'junit.xml'), [docker]);
    expect(readdirSync(dir)).toEqual(['junit.xml']);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toBe(renderJUnit([docker]));
  });

  it('writes through no link planted at the temporary name an earlier shmlab used (<file>.tmp-<pid>)', () => {
    const dir = tempDir();
    const victim = join(tempDir('shmlab-victim-'), 'victim');
    writeFileSync(victim, 'not yours\n');
    symlinkSync(victim, join(dir, `junit.xml.tmp-${process.pid}`));
    writeJUnit(join(dir, 'junit.xml'), [docker]);
    expect(readFileSync(victim, 'utf8')).toBe('not yours\n');
    expect(lstatSync(join(dir, 'junit.xml')).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toBe(renderJUnit([docker]));
    expect(readdirSync(dir).sort()).toEqual(['junit.xml', `junit.xml.tmp-${process.pid}`]);
  });

  it('refuses to replace a folder, with one sentence', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'junit.xml'));
    expect(() => writeJUnit(join(dir, 'junit.xml'), [docker])).toThrow(
      new ReportWriteError(`Cannot write ${join(dir, 'junit.xml')}: something other than a file is there (a folder).`),
    );
    expect(() => junitTarget(join(dir, 'junit.xml'))).toThrow(
      `Cannot write the JUnit file ${join(dir, 'junit.xml')}: something other than a file is there (a folder); choose another --junit.`,
    );
  });

  const CLI = join(ROOT, 'dist/src/cli.js');
  it.each([
    ['run', ['run', '--junit', '/nonexistent-shmlab/junit.xml']],
    ['matrix', ['matrix', '--engine', 'x=unix:///nonexistent.sock', '--junit', '/nonexistent-shmlab/junit.xml']],
  ])('%s --junit into a folder that is not there: one sentence, exit 2, before any engine is asked', async (_, args) => {
    const dir = tempDir();
    const r = await execa(process.execPath, [CLI, ...args, '--report-dir', dir], {
      reject: false,
      timeout: 60_000,
      env: { DOCKER_HOST: 'unix:///nonexistent.sock' },
    });
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({
      exitCode: 2,
      stderr: 'shmlab: Cannot write the JUnit file /nonexistent-shmlab/junit.xml (ENOENT); choose another --junit.',
    });
  });

  it('refuses an empty --junit', async () => {
    const r = await execa(process.execPath, [CLI, 'run', '--junit', ''], { reject: false, timeout: 60_000 });
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({
      exitCode: 2,
      stderr: 'shmlab: Expected --junit to name the JUnit XML file to write, got an empty name.',
    });
  });
});
