// A report read back (`shmlab compare`, the matrix) is checked against the report's JSON Schema: a file that is not
// one is one sentence naming the file and the field, and on the command line, exit 2 with that one line.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test/temp-dirs.js';
import { UsageError } from '../errors.js';
import { ROOT } from '../paths.js';
import { readReport } from './read-report.js';

afterAll(removeTempDirs);

const dir = tempDir('shmlab-read-report-');
const OBSERVED = join(ROOT, 'test/observations/docker-20.10.json');
const observed = () => JSON.parse(readFileSync(OBSERVED, 'utf8'));
const file = (name: string, data: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof data === 'string' ? data : JSON.stringify(data));
  return path;
};

const broken: [string, () => unknown, string][] = [
  ['null.json', () => null, 'the top level must be an object (it is null)'],
  ['format-2.json', () => ({ ...observed(), format: 2 }), '/format must be 1, the format this shmlab reads (it is 2)'],
  ['no-privilege.json', () => ({ ...observed(), privilege: undefined }), '/privilege is missing'],
  [
    'verdict.json',
    () => {
      const r = observed();
      r.experiments[3].verdict = 'passed';
      return r;
    },
    '/experiments/3/verdict must be one of "as expected", "differs", "error", "not applicable" (it is "passed")',
  ],
  [
    'steps.json',
    () => {
      const r = observed();
      r.experiments[0].steps = 'none';
      return r;
    },
    '/experiments/0/steps must be a list (it is the string "none")',
  ],
];

describe('readReport', () => {
  it('reads a report that follows the schema', () => {
    expect(readReport(OBSERVED).experiments.length).toBeGreaterThan(0);
  });

  it.each(broken)('refuses %s with one sentence naming the file and the field', (name, data, problem) => {
    const path = file(name, data());
    expect(() => readReport(path)).toThrow(new UsageError(`${path} is not a shmlab report: ${problem}.`));
  });

  it('says so for a file that is not JSON', () => {
    const path = file('not-json.json', '{"format": 1,');
    expect(() => readReport(path)).toThrow(new UsageError(`Cannot read the report ${path} (not valid JSON).`));
  });
});

describe('shmlab compare on a malformed report', () => {
  const CLI = join(ROOT, 'dist/src/cli.js');
  it.each(broken)('%s: exit 2 and one line', async (name, data, problem) => {
    const path = file(`cli-${name}`, data());
    // DOCKER_HOST at nothing: compare needs no engine, and must not look for one.
    const r = await execa(process.execPath, [CLI, 'compare', path, '--out', join(dir, 'matrix.md')], {
      reject: false,
      timeout: 60_000,
      env: { DOCKER_HOST: 'unix:///nonexistent.sock' },
    });
    expect({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: `shmlab: ${path} is not a shmlab report: ${problem}.`,
    });
  });
});
