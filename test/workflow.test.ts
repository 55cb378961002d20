// The GitHub Actions workflows cannot run here; what can be checked is that each follows GitHub's workflow schema
// (action-validator), that the engine matrix's versions are the engines' of engines.json and its last job builds the
// comparison with `shmlab compare`, and that the CI workflow type-checks, lints and runs the unit tests on every
// supported Node version.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readEnginesFile } from '../src/matrix/engines-file.js';
import { ROOT } from '../src/paths.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

afterAll(removeTempDirs);

const WORKFLOWS = join(ROOT, '.github/workflows');
const CONFIG = join(ROOT, 'vitest.config.ts');
const FILES = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

type Step = { uses?: string; run?: string; with?: Record<string, string>; env?: Record<string, string>; if?: string };
const load = (file: string) => parse(readFileSync(join(WORKFLOWS, file), 'utf8'));
const workflow = load('engine-matrix.yml');
const steps = (job: string): Step[] => workflow.jobs[job].steps;

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

describe('every workflow', () => {
  it('includes the engine matrix and the CI checks', () => {
    expect(FILES).toEqual(expect.arrayContaining(['engine-matrix.yml', 'ci.yml']));
  });

  it.each(FILES)('%s pins every action by commit, with its version named, and runs on pushes to main only', (file) => {
    const text = readFileSync(join(WORKFLOWS, file), 'utf8');
    const uses = text.split('\n').filter((l) => /^\s*-?\s*uses:/.test(l));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
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

  it('runs Podman through its Docker API service', () => {
    expect(
      steps('podman')
        .map((s) => s.run ?? '')
        .join('\n'),
    ).toContain('podman system service --time=0 unix:///run/podman/podman.sock');
  });

  it('uploads only the reports its own run wrote', () => {
    for (const job of ['docker', 'podman']) {
      expect(steps(job).find((s) => s.run?.includes('npm run lab'))?.run).toContain('--report-dir out');
      expect(steps(job).find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.with?.path).toBe('out/*.json');
    }
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
