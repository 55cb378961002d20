// The package as a user gets it: `npm pack`, installed from the tarball into an empty folder, then the command line
// and the programmatic API used from there. No engine: nothing here runs an experiment. Needs the npm registry (for
// the dependencies) and a built dist/ (`npm run test:unit` builds first; the pack itself skips `prepare`, so that no
// build rewrites dist/ under the other tests running at the same time).

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPERIMENTS } from '../experiments/index.js';
import { cacheDir, ROOT } from '../src/paths.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const REPORT = readdirSync(join(ROOT, 'reports')).find((f) => /^docker-.*\.json$/.test(f) && !f.includes('.partial.'));

let work: string;
let app: string;
let packed: string[];
let installed: string;
let userCache: string;

/** Everything under a folder, as paths relative to it, with sizes: what a command must not change. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else out.push(`${relative(dir, path)} ${st.size}`);
    }
  };
  walk(dir);
  return out.sort();
}

// Commands run as a user would, from the folder the package was installed into; a cache of their own.
const inApp = (file: string, args: string[], env: Record<string, string | undefined> = { SHMLAB_CACHE_DIR: userCache }) =>
  execa(file, args, { cwd: app, reject: false, timeout: 120_000, env: { npm_config_update_notifier: 'false', ...env } });
// npx finds the package's own bin in ./node_modules/.bin (no package named shmlab is on the registry to fetch instead).
const shmlab = (...args: string[]) => inApp('npx', ['shmlab', ...args]);

describe('the npm package', () => {
  beforeAll(async () => {
    work = tempDir('shmlab-package-');
    app = join(work, 'app');
    userCache = join(work, 'cache');
    const pack = await execa('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, timeout: 120_000 });
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    packed = info!.files.map((f) => f.path);
    mkdirSync(app);
    // An empty project of the user's own, so that npm installs here and not into a folder above.
    writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'shmlab-user', version: '1.0.0', private: true }, null, 2)}\n`);
    await execa('npm', ['install', '--no-audit', '--no-fund', join(work, info!.filename)], {
      cwd: app,
      timeout: 300_000,
      env: { npm_config_update_notifier: 'false' },
    });
    installed = join(app, 'node_modules', 'shmlab');
  }, 420_000);

  // The installed node_modules is thousands of files.
  afterAll(removeTempDirs, 120_000);

  it('ships the built program, its C sources, fixtures, engines, schema and docs, and nothing else', () => {
    for (const path of [
      'dist/src/cli.js',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/experiments/index.js',
      'src/cri/api.proto',
      'c-src/common.c',
      'fixtures/Dockerfile',
      'engines.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'package.json',
    ]) {
      expect(packed, path).toContain(path);
    }
    expect(packed.filter((p) => p.startsWith('schema/') && p.endsWith('.json')).length).toBeGreaterThan(0);
    const unwanted = packed.filter((p) =>
      /\.test\.|(^|\/)test\/|^\.github\/|^\.ci\/|^reports\/|^bench\/|^scripts\/|^dist\/scripts\/|^node_modules\/|\.cache\/|tsbuildinfo|^src\/.*\.ts$|^(tsconfig|vitest\.config|biome)/.test(
        p,
      ),
    );
    expect(unwanted).toEqual([]);
  });

  it('installs from the tarball into an empty folder', () => {
    expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version).toBe(manifest.version);
    expect(existsSync(join(app, 'node_modules', '.bin', 'shmlab'))).toBe(true);
  });

  it('runs `shmlab --help`, `--version` and `list` from there', async () => {
    const help = await shmlab('--help');
    expect({ code: help.exitCode, stderr: help.stderr }).toEqual({ code: 0, stderr: '' });
    expect(help.stdout).toContain('shmlab run [--only slug,...]');
    const version = await shmlab('--version');
    expect({ code: version.exitCode, out: version.stdout }).toEqual({ code: 0, out: `shmlab ${manifest.version}` });
    const list = await shmlab('list');
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout.split('\n').map((l) => l.split(/\s+/)[0])).toEqual(EXPERIMENTS.map((e) => e.slug));
  });

  it('writes `shmlab compare` to ./reports of the folder it runs in, never into the installed package', async () => {
    expect(REPORT, 'a committed reports/docker-*.json to compare').toBeDefined();
    copyFileSync(join(ROOT, 'reports', REPORT!), join(app, REPORT!));
    const before = listing(installed);
    const r = await shmlab('compare', REPORT!);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`shmlab: compared 1 report(s): ${join(app, 'reports', 'matrix.md')}, each report's page beside it`);
    expect(readFileSync(join(app, 'reports', 'matrix.md'), 'utf8')).toMatch(/\*\*1 engines? × \d+ experiments\.\*\*/);
    expect(existsSync(join(installed, 'reports'))).toBe(false);
    expect(listing(installed)).toEqual(before);
  });

  it('offers the programmatic API: `import("shmlab")`', async () => {
    const script = `import('shmlab').then((m) => console.log(JSON.stringify({
      runLab: typeof m.runLab, renderMarkdown: typeof m.renderMarkdown, writeReport: typeof m.writeReport,
      judge: typeof m.judge, experiments: m.EXPERIMENTS.map((e) => e.slug), version: m.VERSION, cache: m.CACHE })))`;
    const r = await inApp('node', ['--input-type=module', '-e', script]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      runLab: 'function',
      renderMarkdown: 'function',
      writeReport: 'function',
      judge: 'function',
      experiments: EXPERIMENTS.map((e) => e.slug),
      version: manifest.version,
      cache: userCache,
    });
    // With no SHMLAB_CACHE_DIR nor XDG_CACHE_HOME: the home folder's, not the package's.
    const home = join(work, 'home');
    const plain = await inApp('node', ['--input-type=module', '-e', "import('shmlab').then((m) => console.log(m.CACHE))"], {
      HOME: home,
      SHMLAB_CACHE_DIR: undefined,
      XDG_CACHE_HOME: undefined,
    });
    expect(plain.stdout).toBe(join(home, '.cache', 'shmlab'));
  });

  it('declares the types of its API for TypeScript users', async () => {
    writeFileSync(
      join(app, 'use.ts'),
      [
        "import { CATALOG, EXPERIMENTS, renderMarkdown, runLab, type Catalog, type Experiment, type ExperimentResult, type RunResult, type Verdict } from 'shmlab';",
        "const verdict: Verdict = 'as expected';",
        'const experiments: readonly Experiment[] = EXPERIMENTS;',
        'const render: (run: RunResult, catalog: Catalog) => string = renderMarkdown;',
        'const catalog: Catalog = CATALOG;',
        'const run: (e: Experiment[], o: { say: (line: string) => void }) => Promise<RunResult> = runLab;',
        'const slugs = (results: ExperimentResult[]): string[] => results.map((r) => r.slug);',
        'export { verdict, experiments, render, run, slugs, catalog };',
        '',
      ].join('\n'),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const options = [
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--skipLibCheck',
      '--types',
      'node',
      '--typeRoots',
      join(ROOT, 'node_modules', '@types'),
    ];
    const r = await inApp(process.execPath, [tsc, ...options, 'use.ts']);
    expect(r.exitCode, r.stdout).toBe(0);
    // And a name the package does not export is an error: the check above does look at the declarations.
    writeFileSync(join(app, 'wrong.ts'), "import { runLabb } from 'shmlab';\nexport { runLabb };\n");
    const wrong = await inApp(process.execPath, [tsc, ...options, 'wrong.ts']);
    expect(wrong.stdout).toMatch(/has no exported member named 'runLabb'/);
  });
});

describe('where shmlab keeps its cache', () => {
  const home = () => '/home/u';
  it('is $SHMLAB_CACHE_DIR, else $XDG_CACHE_HOME/shmlab, else ~/.cache/shmlab', () => {
    expect(cacheDir({ SHMLAB_CACHE_DIR: '/var/cache/x', XDG_CACHE_HOME: '/xdg' }, home)).toBe('/var/cache/x');
    expect(cacheDir({ XDG_CACHE_HOME: '/xdg' }, home)).toBe('/xdg/shmlab');
    expect(cacheDir({}, home)).toBe('/home/u/.cache/shmlab');
  });

  it('ignores an empty SHMLAB_CACHE_DIR and a relative XDG_CACHE_HOME (invalid, says the XDG spec)', () => {
    expect(cacheDir({ SHMLAB_CACHE_DIR: ' ', XDG_CACHE_HOME: 'rel' }, home)).toBe('/home/u/.cache/shmlab');
  });
});
