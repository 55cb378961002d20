// Reports are written as a pair, atomically: a partial run never replaces a full report, and a write that fails
// (a full disk, a folder or a device where the file goes) leaves the previous pair as it was, with no temporary files.

import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogOf } from '../../experiments/index.js';
import { record, runResult } from '../../test/records.js';
import { removeTempDirs, tempDir } from '../../test/temp-dirs.js';
import type { ExperimentResult } from '../model/result.js';
import { InvalidReportError, ReportWriteError, writeFilesAtomically, writeReport } from './write-report.js';

afterAll(removeTempDirs);

const result = (slug: string): ExperimentResult => ({
  slug,
  verdict: 'as expected',
  observed: 'lost',
  differences: [],
  steps: [record('read')],
  durationMs: 5,
  grants: [],
});
const full = runResult([result('sysv-restart'), result('mmap-restart')]);
const partial = runResult([result('sysv-restart')], { incomplete: 'interrupted (SIGINT) after 1 of 2 experiments' });

describe('writeReport', () => {
  it('puts an interrupted run beside the full report, never over it, and a later full run supersedes it', () => {
    const dir = tempDir();
    writeReport(full, catalogOf([]), dir);
    const good = readFileSync(join(dir, 'docker-99.0.json'), 'utf8');
    const written = writeReport(partial, catalogOf([]), dir);
    expect(written).toEqual({ markdown: join(dir, 'docker-99.0.partial.md'), json: join(dir, 'docker-99.0.partial.json'), partial: true });
    expect(readFileSync(join(dir, 'docker-99.0.json'), 'utf8')).toBe(good);
    expect(readFileSync(join(dir, 'docker-99.0.partial.md'), 'utf8')).toContain('**Incomplete run:**');
    writeReport(full, catalogOf([]), dir);
    expect(readdirSync(dir).sort()).toEqual(['docker-99.0.json', 'docker-99.0.md']);
  });

  it('on a full disk, leaves the previous pair whole and no temporary file', async () => {
    const dir = tempDir();
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'shmlab-test', dir]);
    try {
      writeReport(full, catalogOf([]), dir);
      const before = readdirSync(dir)
        .sort()
        .map((f) => readFileSync(join(dir, f), 'utf8'));
      writeFileSync(join(dir, 'filler'), Buffer.alloc(40 * 1024));
      const big = runResult(Array.from({ length: 40 }, (_, i) => ({ ...result(`x-${i}`), observed: 'y'.repeat(500) })));
      expect(() => writeReport(big, catalogOf([]), dir)).toThrow(new ReportWriteError(`Cannot write ${join(dir, 'docker-99.0.md')} (ENOSPC).`));
      expect(readdirSync(dir).sort()).toEqual(['docker-99.0.json', 'docker-99.0.md', 'filler']);
      expect(['docker-99.0.json', 'docker-99.0.md'].map((f) => readFileSync(join(dir, f), 'utf8'))).toEqual(before);
      expect(() => JSON.parse(before[0]!)).not.toThrow();
    } finally {
      await execa('umount', [dir]);
    }
  });

  it.each([
    ['a folder', (path: string) => mkdirSync(path), 'a folder'],
    ['a link to /dev/full', (path: string) => symlinkSync('/dev/full', path), 'a link'],
  ])('refuses to replace %s with one sentence', (_, make, what) => {
    const dir = tempDir();
    make(join(dir, 'docker-99.0.json'));
    expect(() => writeReport(full, catalogOf([]), dir)).toThrow(
      new ReportWriteError(`Cannot write ${join(dir, 'docker-99.0.json')}: something other than a file is there (${what}).`),
    );
    expect(readdirSync(dir)).toEqual(['docker-99.0.json']);
  });

  it('refuses, loudly and before writing anything, a report that does not follow its schema: a harness bug', () => {
    const dir = tempDir();
    const wrong = runResult([{ ...result('sysv-restart'), verdict: 'passed' as never }]);
    expect(() => writeReport(wrong, catalogOf([]), dir)).toThrow(InvalidReportError);
    expect(() => writeReport(wrong, catalogOf([]), dir)).toThrow(
      /^shmlab made a report that does not follow .+report-v1\.schema\.json \(a bug in shmlab\): \/experiments\/0\/verdict must be one of /,
    );
    expect(() => writeReport({ ...full, unknownField: 1 } as never, catalogOf([]), dir)).toThrow(/\/unknownField is not a field of format 1\.$/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('says so for a name longer than the system allows', () => {
    const dir = tempDir();
    const long = join(dir, 'x'.repeat(250), 'y'.repeat(250));
    expect(() => writeReport(full, catalogOf([]), long)).toThrow(ReportWriteError);
  });

  it('writes through no link planted at a temporary name: neither the old predictable one nor one it draws', () => {
    const dir = tempDir();
    const victims = tempDir('shmlab-victim-');
    const names = ['docker-99.0.md', 'docker-99.0.json', 'docker-99.0.partial.md', 'docker-99.0.partial.json'];
    // The old scheme's names (`<name>.tmp-<pid>`), each a link to a file of someone else's.
    const planted = names.map((name, i) => {
      const victim = join(victims, `victim-${i}`);
      writeFileSync(victim, 'not yours\n');
      symlinkSync(victim, join(dir, `${name}.tmp-${process.pid}`));
      return victim;
    });
    writeReport(full, catalogOf([]), dir);
    writeReport(partial, catalogOf([]), dir);
    for (const victim of planted) expect(readFileSync(victim, 'utf8')).toBe('not yours\n');
    for (const name of names) expect(lstatSync(join(dir, name)).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'docker-99.0.json'), 'utf8')).runId).toBe('test');
    // Nothing of ours is left beside them: the links are still the links, and no temporary file stayed.
    expect(readdirSync(dir).sort()).toEqual([...names.map((n) => `${n}.tmp-${process.pid}`), ...names].sort());
    for (const name of names) expect(readlinkSync(join(dir, `${name}.tmp-${process.pid}`))).toMatch(/victim-\d$/);
  });

  it('gives up a drawn temporary name someone took (a link, a file) for another, and writes the target whole', () => {
    const dir = tempDir();
    const victim = join(tempDir('shmlab-victim-'), 'victim');
    writeFileSync(victim, 'not yours\n');
    const target = join(dir, 'matrix.md');
    // The first two names it draws are taken: a link to the victim, and a file of someone else's.
    const draws = ['aaaa', 'bbbb', 'cccc'];
    symlinkSync(victim, join(dir, '.matrix.md.aaaa.tmp'));
    writeFileSync(join(dir, '.matrix.md.bbbb.tmp'), 'theirs\n');
    writeFilesAtomically([[target, 'the matrix\n']], () => draws.shift()!);
    expect(readFileSync(victim, 'utf8')).toBe('not yours\n');
    expect(readFileSync(join(dir, '.matrix.md.bbbb.tmp'), 'utf8')).toBe('theirs\n');
    expect(readFileSync(target, 'utf8')).toBe('the matrix\n');
    expect(readdirSync(dir).sort()).toEqual(['.matrix.md.aaaa.tmp', '.matrix.md.bbbb.tmp', 'matrix.md']);
  });
});
