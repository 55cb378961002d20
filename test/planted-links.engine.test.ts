// shmlab runs as root and writes into folders others may write to: a link planted where it would write (at every
// temporary name an earlier shmlab used, `<file>.tmp-<pid>`, and at the result file it hands a parent process) is never
// written through. The run's pid is known before it starts: a shell plants the links and then becomes the run.
import { lstatSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { reportBaseName } from '../src/report/report-name.js';
import { engineLab } from './engine-state.js';
import { CLI, reportDir } from './shmlab-process.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

afterAll(removeTempDirs);

describe('links planted where a run writes', () => {
  it('are never written through: reports, partial reports, JUnit and the result file', async () => {
    const lab = await engineLab();
    const base = reportBaseName(lab.environment);
    const dir = reportDir();
    const victims = tempDir('shmlab-victim-');
    const junit = join(dir, 'junit.xml');
    const names = [`${base}.md`, `${base}.json`, `${base}.partial.md`, `${base}.partial.json`, 'junit.xml'];
    const victimOf = (i: number) => join(victims, `victim-${i}`);
    names.forEach((_, i) => {
      writeFileSync(victimOf(i), 'not yours\n');
    });
    const resultVictim = join(victims, 'result-victim');
    writeFileSync(resultVictim, 'not yours\n');
    const resultFile = join(tempDir('shmlab-result-'), 'result.json');
    symlinkSync(resultVictim, resultFile);
    // $$ is the shell's pid, which exec hands to the run.
    const plant = names.map((name, i) => `ln -s ${victimOf(i)} "${join(dir, name)}.tmp-$$"`).join(' && ');
    // The result file is the one the matrix names in a run's options file.
    const options = join(tempDir('shmlab-run-options-'), 'run-options.json');
    writeFileSync(options, JSON.stringify({ engine: { family: 'docker-api', address: process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock' }, resultFile }));
    const r = await execa(
      'sh',
      ['-c', `${plant} && exec node ${CLI} run --only procsys-readonly --report-dir ${dir} --junit ${junit} --run-options ${options}`],
      {
        reject: false,
        all: true,
        timeout: 180_000,
      },
    );
    // The report and the JUnit XML are written; the result file is refused (a link is there), which the run says.
    expect(r.exitCode, r.all).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^shmlab: where the report went could not be told to the process that started this run \\(its run-options file's resultFile\\): Cannot write ${resultFile}: something other than a file is there \\(a link\\)\\.$`,
        'm',
      ),
    );
    names.forEach((_, i) => {
      expect(readFileSync(victimOf(i), 'utf8')).toBe('not yours\n');
    });
    expect(readFileSync(resultVictim, 'utf8')).toBe('not yours\n');
    expect(readlinkSync(resultFile)).toBe(resultVictim);
    for (const name of [`${base}.md`, `${base}.json`, 'junit.xml']) expect(lstatSync(join(dir, name)).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, `${base}.json`), 'utf8')).experiments.map((e: { slug: string }) => e.slug)).toEqual(['procsys-readonly']);
    // Beside them only the planted links, as they were: no temporary file of the run's stayed.
    const pidLinks = readdirSync(dir).filter((f) => /\.tmp-\d+$/.test(f));
    expect(pidLinks).toHaveLength(names.length);
    expect(
      readdirSync(dir)
        .filter((f) => !pidLinks.includes(f))
        .sort(),
    ).toEqual([`${base}.json`, `${base}.md`, 'junit.xml'].sort());
  });
});
