// The package as a user gets it: `npm pack`, installed from the tarball into an empty folder, then the command line
// and the programmatic API used from there, and its types checked as TypeScript users (ES module and CommonJS) and
// JavaScript user experiments see them. No engine: nothing here runs an experiment. Needs the npm registry (for the
// dependencies) and a built dist/ (`npm run test:unit` builds first; the pack itself skips `prepare`, so that no build
// rewrites dist/ under the other tests running at the same time). Slow: 1.5 to 3 minutes here (the install about one, the type checks ~45 s).

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPERIMENTS } from '../experiments/index.js';
import { ROOT } from '../src/paths.js';
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

// The project's own TypeScript (5.9), as a user's would be, with Node's types from the project (the user's own).
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const TS_OPTIONS = ['--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types')];
const tsc = (cwd: string, args: string[]) => execa(process.execPath, [TSC, ...TS_OPTIONS, ...args], { cwd, reject: false, timeout: 280_000 });

/** A folder of the user's project with its own package.json: `type` decides whether its .ts files are ES modules or CommonJS. */
function userFolder(name: string, type: 'module' | undefined, files: Record<string, string>): string {
  const dir = join(app, name);
  mkdirSync(dir);
  const own = { name: `shmlab-user-${name}`, version: '1.0.0', private: true, ...(type ? { type } : {}) };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(own, null, 2)}\n`);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

// The whole API a TypeScript user sees, each value against the type it should have: a wrong declaration is an error.
const CONSUMER = [
  'import {',
  '  CATALOG, EXPERIMENTS, isReport, loadUserExperiments, renderJUnit, renderMarkdown, reportProblem, runLab, UsageError, writeJUnit,',
  '  type Catalog, type Experiment, type ExperimentResult, type RunResult, type UserExperiments, type UserExperimentsOptions, type Verdict,',
  "} from 'shmlab';",
  "const verdict: Verdict = 'as expected';",
  'const experiments: readonly Experiment[] = EXPERIMENTS;',
  'const render: (run: RunResult, catalog: Catalog) => string = renderMarkdown;',
  'const catalog: Catalog = CATALOG;',
  'const run: (e: Experiment[], o: { say: (line: string) => void }) => Promise<RunResult> = runLab;',
  'const slugs = (results: ExperimentResult[]): string[] => results.map((r) => r.slug);',
  'const junit: (runs: readonly RunResult[]) => string = renderJUnit;',
  'const writeXml: (path: string, runs: readonly RunResult[]) => void = writeJUnit;',
  'const problem: (data: unknown, options?: { strict?: boolean }) => string | undefined = reportProblem;',
  'const report = (data: unknown): RunResult | undefined => (isReport(data) ? data : undefined);',
  'const load: (dir: string, options?: UserExperimentsOptions) => Promise<UserExperiments> = loadUserExperiments;',
  'const mine = async (dir: string): Promise<Experiment[]> => (await loadUserExperiments(dir, { deadlineMs: 5_000 })).experiments;',
  'const refused = (err: unknown): boolean => err instanceof UsageError;',
  'export { verdict, experiments, render, catalog, run, slugs, junit, writeXml, problem, report, load, mine, refused };',
  '',
].join('\n');

/** The relative links of a markdown file (no scheme, not just an anchor), without their anchors. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .flatMap((m) => m[1] ?? [])
    .filter((target) => !/^([a-z][a-z0-9+.-]*:|#)/i.test(target))
    .map((target) => decodeURI(target.replace(/#.*$/, '')));
}

// Type checks and installs: on a machine running a matrix beside them, two type checks took over the 120 s a test gets.
describe('the npm package', { timeout: 600_000 }, () => {
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
    // From npm's cache where it has the packages (npm ci filled it); a loaded machine took over 5 minutes without it.
    await execa('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, info!.filename)], {
      cwd: app,
      timeout: 600_000,
      env: { npm_config_update_notifier: 'false' },
    });
    installed = join(app, 'node_modules', 'shmlab');
  }, 720_000);

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
      'examples/README.md',
      'examples/exclusive-segment/exclusive-segment.mjs',
      'reports/README.md',
      'reports/matrix.md',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'package.json',
    ]) {
      expect(packed, path).toContain(path);
    }
    expect(packed.filter((p) => p.startsWith('schema/') && p.endsWith('.json')).length).toBeGreaterThan(0);
    const unwanted = packed.filter((p) =>
      /\.test\.|(^|\/)test\/|^\.github\/|^\.ci\/|^reports\/(?!.*\.(md|svg)$)|\.partial\.|^bench\/|^scripts\/|^dist\/scripts\/|^node_modules\/|\.cache\/|tsbuildinfo|^src\/.*\.ts$|^(tsconfig|vitest\.config|biome)/.test(
        p,
      ),
    );
    expect(unwanted).toEqual([]);
  });

  // The README is the package's page: its links (reports/README.md, the engines' reports, the matrix) lead somewhere.
  it('ships the file of every relative link of its markdown', () => {
    const markdown = packed.filter((p) => p.endsWith('.md'));
    const links = markdown.flatMap((md) =>
      relativeLinks(readFileSync(join(installed, md), 'utf8')).map((link) => ({ md, to: posix.join(posix.dirname(md), link) })),
    );
    expect(links.map((l) => l.to)).toEqual(expect.arrayContaining(['reports/README.md', 'examples/README.md', 'schema/report-v1.schema.json']));
    expect(links.filter((l) => !packed.includes(l.to))).toEqual([]);
  });

  it('installs from the tarball into an empty folder, as a package for Linux that may be published', () => {
    const installedManifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(installedManifest.version).toBe(manifest.version);
    expect({ private: installedManifest.private, os: installedManifest.os }).toEqual({ private: undefined, os: ['linux'] });
    expect(installedManifest.keywords).toContain('shared-memory');
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

  it("runs `shmlab run --help`: run's own options, not every command's", async () => {
    const help = await shmlab('run', '--help');
    expect({ code: help.exitCode, stderr: help.stderr }).toEqual({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage:\n {2}shmlab run \[--only slug,\.\.\.\]/);
    for (const option of ['--only', '--report-dir', '--experiments DIR', '--junit FILE', '--no-host-changes']) expect(help.stdout).toContain(option);
    expect(help.stdout).not.toMatch(/^ {2}shmlab (?!run )/m);
  });

  it('writes `shmlab compare` to ./reports of the folder it runs in, never into the installed package', async () => {
    expect(REPORT, 'a committed reports/docker-*.json to compare').toBeDefined();
    copyFileSync(join(ROOT, 'reports', REPORT!), join(app, REPORT!));
    const before = listing(installed);
    const r = await shmlab('compare', REPORT!);
    expect(r.exitCode, r.stderr).toBe(0);
    // The survival picture goes beside the matrix too where compare draws one.
    const matrix = join(app, 'reports', 'matrix.md');
    expect([0, 1].map((i) => `shmlab: compared 1 report(s): ${matrix}, each report's page${i ? ' and survival.svg' : ''} beside it`)).toContain(r.stdout);
    expect(readFileSync(matrix, 'utf8')).toMatch(/\*\*1 engines? × \d+ experiments\.\*\*/);
    // The package ships reports/*.md and *.svg (its README's links): compare adds nothing there and rewrites none of them.
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

  it('offers the JUnit writer, the report validator and the user-experiment loader', async () => {
    expect(REPORT, 'a committed reports/docker-*.json to validate').toBeDefined();
    const script = `import { readFileSync } from 'node:fs';
      import { isReport, loadUserExperiments, renderJUnit, reportProblem, UsageError } from 'shmlab';
      const report = JSON.parse(readFileSync(${JSON.stringify(join(ROOT, 'reports', REPORT ?? ''))}, 'utf8'));
      const user = await loadUserExperiments(${JSON.stringify(join(installed, 'examples', 'exclusive-segment'))});
      const refused = await loadUserExperiments(${JSON.stringify(work)}).catch((err) => err instanceof UsageError);
      console.log(JSON.stringify({ valid: isReport(report), problem: reportProblem({ ...report, format: 2 }),
        junit: renderJUnit([report]).split('\\n')[1], slugs: user.experiments.map((e) => e.slug), programs: user.programs, refused }));`;
    const r = await inApp('node', ['--input-type=module', '-e', script]);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({
      valid: true,
      problem: '/format must be 1, the format this shmlab reads (it is 2)',
      junit: expect.stringMatching(/^<testsuites name="shmlab" tests="\d+"/),
      slugs: ['exclusive-segment'],
      programs: ['exclusive-segment'],
      refused: true,
    });
  });

  it('declares its API for a TypeScript user whose project is ES modules', async () => {
    const esm = userFolder('esm', 'module', { 'use.ts': CONSUMER, 'wrong.ts': "import { runLabb } from 'shmlab';\nexport { runLabb };\n" });
    const r = await tsc(esm, ['--noEmit', 'use.ts']);
    expect(r.exitCode, r.stdout).toBe(0);
    // And a name the package does not export is an error: the check above does look at the declarations.
    const wrong = await tsc(esm, ['--noEmit', 'wrong.ts']);
    expect(wrong.stdout).toMatch(/has no exported member named 'runLabb'/);
  });

  // TypeScript 5.8+ with module nodenext models Node's require(esm) (20.19 and later): no TS1479 for an ES module package.
  it('declares its API for a TypeScript user whose project is CommonJS, and its require() of shmlab runs', async () => {
    const main = [
      "import { CATALOG, loadUserExperiments, renderJUnit, reportProblem, runLab } from 'shmlab';",
      'const kinds = [runLab, renderJUnit, reportProblem, loadUserExperiments].map((f) => typeof f);',
      'console.log(JSON.stringify({ kinds, experiments: CATALOG.experiments.length }));',
      '',
    ].join('\n');
    const cjs = userFolder('cjs', undefined, { 'use.ts': CONSUMER, 'main.ts': main });
    const r = await tsc(cjs, ['--outDir', 'out', 'use.ts', 'main.ts']);
    expect(r.exitCode, r.stdout).toBe(0);
    // Compiled as CommonJS indeed: a require(), which Node 20.19+ answers with the ES module.
    expect(readFileSync(join(cjs, 'out', 'main.js'), 'utf8')).toContain('require("shmlab")');
    const run = await execa('node', ['out/main.js'], { cwd: cjs, reject: false, timeout: 60_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ kinds: ['function', 'function', 'function', 'function'], experiments: EXPERIMENTS.length });
  });

  it("types a JavaScript user experiment (the shipped example, copied) with `@type {import('shmlab').Experiment}`", async () => {
    const example = readFileSync(join(installed, 'examples', 'exclusive-segment', 'exclusive-segment.mjs'), 'utf8');
    expect(example).toContain("/** @type {import('shmlab').Experiment} */");
    const mine = userFolder('experiments', undefined, {
      'exclusive-segment.mjs': example,
      'wrong.mjs': example.replace("slug: 'exclusive-segment'", 'slug: 42'),
    });
    const checkJs = ['--noEmit', '--allowJs', '--checkJs'];
    const r = await tsc(mine, [...checkJs, 'exclusive-segment.mjs']);
    expect(r.exitCode, r.stdout).toBe(0);
    // Checked against the type indeed, not against any.
    const wrong = await tsc(mine, [...checkJs, 'wrong.mjs']);
    expect(wrong.stdout).toMatch(/^wrong\.mjs\(\d+,\d+\): error TS2322: [^\n]*\n *Types of property 'slug' are incompatible\./);
  });
});

// In a checkout, 'shmlab' is the package's own name: TypeScript resolves it through package.json's "exports" to the
// built declarations (dist/), as Node would.
describe('the example user experiment in a checkout', { timeout: 300_000 }, () => {
  it("type-checks against `import('shmlab').Experiment`", async () => {
    const r = await tsc(ROOT, ['--noEmit', '--allowJs', '--checkJs', 'examples/exclusive-segment/exclusive-segment.mjs']);
    expect(r.exitCode, r.stdout).toBe(0);
  });
});
