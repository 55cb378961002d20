// User experiments (`--experiments DIR`): what a folder of experiment modules may hold, and the one sentence, naming
// the file and the field, that anything else gets, from the loader and from the command line (exit 2, before any
// engine is asked). No engine: test/user-experiments.engine.test.ts runs the example against one.

import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGES } from '../experiments/images.js';
import { EXPERIMENTS, selectExperiments } from '../experiments/index.js';
import { imageSources, layOutContext, variantTag } from '../src/build/image-builder.js';
import { InterruptedError, UsageError } from '../src/errors.js';
import { processLease } from '../src/lab/process-lease.js';
import { ROOT } from '../src/paths.js';
import { schemaProblem } from '../src/run/user-experiments/check-schema.js';
import { checkCrossReferences } from '../src/run/user-experiments/cross-references.js';
import { ourPrograms } from '../src/run/user-experiments/user-programs.js';
import { EXPERIMENT_SCHEMA, loadUserExperiments } from '../src/run/user-experiments.js';
import { record } from './records.js';
import { staticProgram } from './static-program.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

afterAll(removeTempDirs);

// A static program of the test's own: nothing here needs what only the engine tests' setup installs (busybox-static).
let tiny: string;
beforeAll(async () => {
  tiny = await staticProgram(tempDir('shmlab-static-'));
});

const BASE = `{
  slug: 'my-exp',
  title: 'A segment of mine across a restart',
  section: 'C',
  source: 'my own question',
  blogSaw: '—',
  expectedToday: 'gone',
  explanation: 'The IPC namespace goes with the container.',
  containers: { app: {} },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'read', do: 'exec', container: 'app', cmd: ['sysv-read', '--key', '1'] },
  ],
  expect: [{ step: 'read', means: 'nothing there', exitCode: 10 }],
  observe: (steps) => (steps.get('read') ? 'read' : 'not run'),
}`;

/** A folder with one module: the base experiment, changed by `patch` (JavaScript run on `e` before it is exported). */
function folder(patch = '', files: Record<string, string> = {}): string {
  const dir = tempDir('shmlab-user-');
  writeFileSync(join(dir, 'mine.mjs'), `const e = ${BASE};\n${patch}\nexport default e;\n`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const BUILT_IN = { experiments: EXPERIMENTS, images: Object.keys(IMAGES) };
const load = (dir: string) => loadUserExperiments(dir, BUILT_IN);
const refusal = async (dir: string) => {
  const err = await load(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  expect((err as Error).message.split('\n')).toHaveLength(1);
  return (err as Error).message;
};

describe('loading user experiments', () => {
  it('loads the example, with its C program, and --only can name it', async () => {
    const user = await load(join(ROOT, 'examples/exclusive-segment'));
    expect(user.experiments.map((e) => e.slug)).toEqual(['exclusive-segment']);
    expect(user.programs).toEqual(['exclusive-segment']);
    expect(user.cSrc).toBe(join(ROOT, 'examples/exclusive-segment/c-src'));
    expect(selectExperiments(['exclusive-segment', 'sysv-restart'], user.experiments).map((e) => e.slug)).toEqual(['exclusive-segment', 'sysv-restart']);
    expect(selectExperiments(undefined, user.experiments)).toHaveLength(EXPERIMENTS.length + 1);
    // Its phrase comes from the observations only.
    const observe = user.experiments[0]!.observe;
    expect(observe(new Map())).toBe('not run');
    const after = record('check-after', { exitCode: 1, stdout: 'no segment 5432001\n' });
    const again = record('create-again', { exitCode: 0 });
    expect(
      observe(
        new Map([
          ['check-after', after],
          ['create-again', again],
        ]),
      ),
    ).toBe('gone after the restart; created again');
  });

  it('loads a list of experiments from one file, and a .js module', async () => {
    const dir = tempDir('shmlab-user-');
    writeFileSync(join(dir, 'two.js'), `const e = ${BASE};\nexport default [e, { ...e, slug: 'my-other' }];\n`);
    expect((await load(dir)).experiments.map((e) => e.slug)).toEqual(['my-exp', 'my-other']);
  });

  it('takes what the model allows a user: skipOn with why, requires, survival cells, a field left undefined', async () => {
    const user = await load(
      folder(`e.steps[1].skipOn = { cri: 'its outcome there would be fixed by how shmlab drives CRI' };
e.requires = ['pause'];
e.survival = [{ kind: 'sysv-private', operation: 'restart', step: 'read', written: 'read', kept: 'x' }];
e.whenDiffers = undefined;
e.expect[0].stdout = /none/;`),
    );
    const [e] = user.experiments;
    expect(e?.steps[1]?.skipOn).toEqual({ cri: 'its outcome there would be fixed by how shmlab drives CRI' });
    expect(e?.requires).toEqual(['pause']);
    expect(e?.expect[0]?.stdout).toEqual(/none/);
    expect(Object.keys(e ?? {})).not.toContain('whenDiffers');
  });

  it("takes every experiment of shmlab's own, but its internals, as it takes a user's: the schema is the model's", () => {
    const catalogue = { images: BUILT_IN.images, ours: ourPrograms(), yours: [] };
    const refused = EXPERIMENTS.flatMap(({ internals: _, ...e }) => {
      const problem = schemaProblem(e);
      if (problem) return [`${e.slug}: ${problem}`];
      try {
        checkCrossReferences(
          e,
          (field, why) => {
            throw new Error(`${e.slug}: ${field} ${why}`);
          },
          catalogue,
        );
        return [];
      } catch (err) {
        return [(err as Error).message];
      }
    });
    expect(refused).toEqual([]);
  });

  it('ships its schema as schema/experiment-v1.schema.json, exactly the one it checks with', () => {
    const shipped = JSON.parse(readFileSync(join(ROOT, 'schema', 'experiment-v1.schema.json'), 'utf8'));
    // On a difference: write the file again as src/run/user-experiments/experiment-schema.ts says.
    expect(shipped).toEqual(EXPERIMENT_SCHEMA);
    expect(shipped.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it("keeps a run going when the user's observe throws on what it is given", async () => {
    const user = await load(folder("e.observe = (steps) => (steps.size === 0 ? 'not run' : steps.get('read').stdout.trim());"));
    const observe = user.experiments[0]!.observe;
    expect(observe(new Map([['run', record('run')]]))).toBe("(observe failed: Cannot read properties of undefined (reading 'stdout'))");
  });

  it("adds static programs from bin/, and refuses what would not run in the image or would replace shmlab's own", async () => {
    const ok = folder();
    mkdirSync(join(ok, 'bin'));
    copyFileSync(tiny, join(ok, 'bin', 'mybox'));
    const user = await load(ok);
    expect(user.binaries).toEqual([{ name: 'mybox', path: join(ok, 'bin', 'mybox') }]);

    const dynamic = folder();
    mkdirSync(join(dynamic, 'bin'));
    copyFileSync(process.execPath, join(dynamic, 'bin', 'node'));
    expect(await refusal(dynamic)).toBe(
      `${join(dynamic, 'bin', 'node')} is not a statically linked 64-bit ELF program: the images have no C library, so link it with -static.`,
    );

    const clash = folder('', { 'c-src/sysv-read.c': 'int main(void) { return 0; }\n' });
    expect(await refusal(clash)).toBe(`${join(clash, 'c-src', 'sysv-read.c')} would replace shmlab's own /bin/sysv-read; rename it.`);

    const twice = folder('', { 'c-src/mybox.c': 'int main(void) { return 0; }\n' });
    mkdirSync(join(twice, 'bin'));
    copyFileSync(tiny, join(twice, 'bin', 'mybox'));
    expect(await refusal(twice)).toBe(`${join(twice, 'bin', 'mybox')} and ${join(twice, 'c-src', 'mybox.c')} would both be /bin/mybox; keep one.`);
  });

  it.each<[string, string, (file: string) => string]>([
    ['no slug', 'delete e.slug;', (f) => `${f}: slug is missing.`],
    [
      'a slug of a built-in experiment',
      "e.slug = 'sysv-restart';",
      (f) => `${f}: slug "sysv-restart" is already taken by a built-in experiment; choose another.`,
    ],
    [
      'a slug that is no name',
      "e.slug = 'My Exp';",
      (f) => `${f}: slug must be lower-case letters and digits, words joined by dashes, at most 40 characters (it is "My Exp").`,
    ],
    ['no title', 'delete e.title;', (f) => `${f}: title is missing.`],
    ['an unknown section', "e.section = 'E';", (f) => `${f}: section must be one of "A", "B", "C", "D" (it is "E").`],
    [
      'a misspelt field',
      'e.expects = e.expect;',
      (f) =>
        `${f}: expects is not a field of an experiment (its fields: slug, title, section, source, blogSaw, expectedToday, explanation, containers, steps, expect, expectOn, requires, changesHost, observe, whenDiffers, survival).`,
    ],
    ['a step on an undeclared container', "e.steps[1].container = 'db';", (f) => `${f}: steps[1].container is "db", which is not one of its containers (app).`],
    [
      'a step before its container runs',
      'e.steps.reverse();',
      (f) => `${f}: steps[0].container is "app", which no earlier step runs (a "run" step creates and starts it).`,
    ],
    ['two steps with one id', "e.steps[1].id = 'run';", (f) => `${f}: steps[1].id "run" is the id of an earlier step too; ids must be unique.`],
    [
      'an unknown action',
      "e.steps[1].do = 'reboot';",
      (f) =>
        `${f}: steps[1].do must be one of "run", "exec", "await", "commit", "host-sysctls", "stop", "start", "kill", "pause", "unpause", "remove", "diff", "inspect", "logs" (it is "reboot").`,
    ],
    [
      'a misspelt step field',
      'e.steps[1].comand = e.steps[1].cmd; delete e.steps[1].cmd;',
      (f) => `${f}: steps[1].comand is not a field of an exec step (its fields: id, do, container, why, evidence, skipOn, cmd).`,
    ],
    [
      'a program that is not in the image',
      "e.steps[1].cmd = ['pg-lik', '--check'];",
      (f) =>
        expect.stringMatching(
          new RegExp(
            `^${escapeRegExp(f)}: steps\\[1\\]\\.cmd\\[0\\] is "pg-lik", which is no program in the image \\(yours: none; shmlab's: see c-src/; busybox's: sh cat .*\\); give a path to run something else\\.$`,
          ),
        ),
    ],
    ['an exec without cmd', 'delete e.steps[1].cmd;', (f) => `${f}: steps[1].cmd is missing.`],
    [
      'an image shmlab has not',
      "e.containers.app.image = 'postgres:16';",
      (f) =>
        `${f}: containers.app.image is "postgres:16", which is neither an image of shmlab's (lab, startup-script, init-hook) nor "@<name>" of a commit step's "as".`,
    ],
    [
      'an IPC mode joining an undeclared container',
      "e.containers.app.ipc = 'container:holder';",
      (f) => `${f}: containers.app.ipc is "container:holder"; it must be "private", "shareable", "host" or "container:<another of its containers>".`,
    ],
    ['an expectation of an unknown step', "e.expect[0].step = 'check';", (f) => `${f}: expect[0].step is "check", which is not one of its steps (run, read).`],
    [
      'an expectation that checks nothing',
      'delete e.expect[0].exitCode;',
      (f) => `${f}: expect[0] checks nothing: give at least one of exitCode, refused, stdout, stderr, output, state.`,
    ],
    [
      'an exit code out of range',
      'e.expect[0].exitCode = 300;',
      (f) => `${f}: expect[0].exitCode must be a whole number from 0 to 255 or "non-zero" (it is 300).`,
    ],
    ['stdout that is a number', 'e.expect[0].stdout = 5;', (f) => `${f}: expect[0].stdout must be a string or a regular expression (it is 5).`],
    ['no expectations', 'e.expect = [];', (f) => `${f}: expect must not be an empty list.`],
    [
      'expectOn for an unknown engine',
      "e.expectOn = { lxc: { why: 'x', expect: [] } };",
      (f) => `${f}: expectOn (the key "lxc") must be one of "docker-api", "cri" (it is "lxc").`,
    ],
    [
      'expectOn dropping an unknown step',
      "e.expectOn = { cri: { why: 'x', expect: [], drop: ['nope'] } };",
      (f) => `${f}: expectOn.cri.drop[0] is "nope", which is not one of its steps (run, read).`,
    ],
    [
      'observe that is no function',
      "e.observe = 'kept';",
      (f) => `${f}: observe must be a function (steps) => string that says what was observed (it is the string "kept").`,
    ],
    [
      'observe that throws before any step',
      "e.observe = (steps) => steps.get('read').stdout;",
      (f) => `${f}: observe throws when no step has run (Cannot read properties of undefined (reading 'stdout')); say so instead, e.g. "not run".`,
    ],
    [
      'a host-sysctls step without changesHost',
      "e.steps.push({ id: 'host', do: 'host-sysctls', container: 'app', set: { 'kernel.shmmax': '1' } });",
      (f) => `${f}: changesHost must be true: step host changes the host's sysctls, which --no-host-changes must be able to leave out.`,
    ],
    [
      'an unknown survival kind',
      "e.survival = [{ kind: 'disk', operation: 'restart', step: 'read', written: 'read' }];",
      (f) => expect.stringMatching(new RegExp(`^${escapeRegExp(f)}: survival\\[0\\]\\.kind must be one of "sysv-private", .* \\(it is "disk"\\)\\.$`)),
    ],
    // Fields the model gained, and what only a schema of the whole experiment says.
    [
      'a survival cell without written',
      "e.survival = [{ kind: 'sysv-private', operation: 'restart', step: 'read' }];",
      (f) => `${f}: survival[0].written is missing.`,
    ],
    [
      'a survival cell written by no step',
      "e.survival = [{ kind: 'sysv-private', operation: 'restart', step: 'read', written: 'write' }];",
      (f) => `${f}: survival[0].written is "write", which is not one of its steps (run, read).`,
    ],
    [
      "shmlab's own internals",
      "e.internals = () => 'runc does it';",
      (f) =>
        `${f}: internals is not a field of an experiment (its fields: slug, title, section, source, blogSaw, expectedToday, explanation, containers, steps, expect, expectOn, requires, changesHost, observe, whenDiffers, survival).`,
    ],
    [
      'a requirement shmlab does not know',
      "e.requires = ['gpu'];",
      (f) => expect.stringMatching(new RegExp(`^${escapeRegExp(f)}: requires\\[0\\] must be one of "pause", .* \\(it is "gpu"\\)\\.$`)),
    ],
    [
      'skipOn for an unknown engine family',
      "e.steps[1].skipOn = { lxc: 'why' };",
      (f) => `${f}: steps[1].skipOn (the key "lxc") must be one of "docker-api", "cri" (it is "lxc").`,
    ],
    [
      'a step on a container whose run is skipped there',
      "e.steps[0].skipOn = { cri: 'no such pod' };",
      (f) => `${f}: steps[1].container is "app", which no earlier step runs on cri (its run step is skipped there); skip this step there too.`,
    ],
    ['a step without its action', 'delete e.steps[1].do;', (f) => `${f}: steps[1].do is missing.`],
    ['a step that is no object', "e.steps[1] = 'exec';", (f) => `${f}: steps[1] must be an object {id, do, container, ...} (it is the string "exec").`],
    ['evidence that is not true', 'e.steps[1].evidence = false;', (f) => `${f}: steps[1].evidence must be true when given (it is false).`],
    [
      'mayBeRefused that is no regular expression',
      "e.steps[0].mayBeRefused = 'sysctl';",
      (f) => `${f}: steps[0].mayBeRefused must be a regular expression (it is the string "sysctl").`,
    ],
    [
      'a container run before the commit that makes its image',
      "e.containers.copy = { image: '@snap' }; e.steps.push({ id: 'copy', do: 'run', container: 'copy' }, { id: 'snap', do: 'commit', container: 'app', as: 'snap' });",
      (f) => `${f}: steps[2].container is "copy", whose image "@snap" no earlier step makes (a commit step with as: "snap" comes first).`,
    ],
    [
      'a container name that is no name',
      "e.containers = { 'My App': {} };",
      (f) => `${f}: containers (the key "My App") must be lower-case letters and digits, words joined by dashes, at most 20 characters (it is "My App").`,
    ],
    [
      'a sysctl that is no sysctl name',
      "e.containers.app.sysctls = { 'shmmax': '1' };",
      (f) => `${f}: containers.app.sysctls (the key "shmmax") must be a sysctl name such as kernel.shmmax (it is "shmmax").`,
    ],
    [
      'a volume on a relative path',
      "e.containers.app.volumes = [{ volume: 'data', target: 'data' }];",
      (f) => `${f}: containers.app.volumes[0].target must be an absolute path in the container (it is "data").`,
    ],
    ['no containers', 'e.containers = {};', (f) => `${f}: containers must name at least one container.`],
    [
      'an expectation whose only check is undefined',
      "e.expect[0] = { step: 'read', means: 'x', exitCode: undefined };",
      (f) => `${f}: expect[0] checks nothing: give at least one of exitCode, refused, stdout, stderr, output, state.`,
    ],
    [
      'whenDiffers that is no function',
      "e.whenDiffers = 'differs';",
      (f) => `${f}: whenDiffers must be a function (steps) => markdown or undefined when given (it is the string "differs").`,
    ],
  ])('refuses %s with one sentence naming the file and the field', async (_, patch, message) => {
    const dir = folder(patch);
    expect(await refusal(dir)).toEqual(message(join(dir, 'mine.mjs')));
  });

  it.each<[string, string, (file: string) => string]>([
    [
      'a module that does not load',
      'export default {', // Node says SyntaxError; under vitest, vite says it first.
      (f) => expect.stringMatching(new RegExp(`^${escapeRegExp(f)} cannot be loaded: (SyntaxError|Error): .+[^.]\\.$`)),
    ],
    ['a module with no default export', 'export const e = 1;', (f) => `${f} has no default export; "export default" an experiment or a list of experiments.`],
    ['an empty list', 'export default [];', (f) => `${f}: its default export is an empty list; export at least one experiment.`],
    ['a string', "export default 'pg-like';", (f) => `${f}: the default export must be an experiment object (or a list of them) (it is the string "pg-like").`],
    [
      'a bad second experiment of a list',
      `const e = ${BASE};\nexport default [e, { ...e, slug: 'two', title: '' }];`,
      (f) => `${f}, experiment 2 (two): title must not be empty.`,
    ],
    [
      'the same slug twice in a list',
      `const e = ${BASE};\nexport default [e, e];`,
      (f) => `${f}, experiment 2 (my-exp): slug "my-exp" is already taken by the experiment of ${f}, experiment 1 (my-exp); choose another.`,
    ],
  ])('refuses %s', async (_, source, message) => {
    const dir = tempDir('shmlab-user-');
    writeFileSync(join(dir, 'mine.mjs'), source);
    expect(await refusal(dir)).toEqual(message(join(dir, 'mine.mjs')));
  });

  it('refuses the same slug in two files, naming both', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'other.mjs'), `export default ${BASE};\n`);
    expect(await refusal(dir)).toBe(`${join(dir, 'other.mjs')}: slug "my-exp" is already taken by the experiment of ${join(dir, 'mine.mjs')}; choose another.`);
  });

  it('refuses a folder that is not there, or holds no module', async () => {
    expect(await refusal('/nonexistent-shmlab')).toBe(
      'Cannot read the experiments folder /nonexistent-shmlab (ENOENT); --experiments names a folder of *.js or *.mjs experiment modules.',
    );
    const empty = tempDir('shmlab-user-');
    writeFileSync(join(empty, 'README.md'), 'nothing here');
    expect(await refusal(empty)).toBe(
      `The experiments folder ${empty} holds no experiment module (a *.js or *.mjs file whose default export is an experiment); see examples/README.md.`,
    );
  });
});

describe('a module that does not return when it is loaded', () => {
  const never = (source: string) => {
    const dir = tempDir('shmlab-user-');
    writeFileSync(join(dir, 'a-good.mjs'), `export default ${BASE};\n`);
    writeFileSync(join(dir, 'b-stuck.mjs'), source);
    return { dir, file: join(dir, 'b-stuck.mjs') };
  };

  it.each<[string, string, (file: string) => string]>([
    [
      'a loop at its top level',
      'while (true) {}\nexport default 1;\n',
      (f) => `${f} did not finish loading within 1 s (a loop at its top level that never ends?); a module must return when it is imported.`,
    ],
    [
      'a timer it waits for',
      'await new Promise((r) => setTimeout(r, 3_600_000));\nexport default 1;\n',
      (f) => `${f} did not finish loading within 1 s (a loop at its top level that never ends?); a module must return when it is imported.`,
    ],
    [
      'an await that never settles',
      'await new Promise(() => {});\nexport default 1;\n',
      (f) =>
        `${f} cannot be loaded: its top level waits for something that never comes (an await that never settles); a module must only define and export its experiments.`,
    ],
    [
      'process.exit at its top level',
      'process.exit(0);\n',
      (f) =>
        `${f} cannot be loaded: it ends the process when it is loaded (exit 0; process.exit at its top level?); a module must only define and export its experiments.`,
    ],
  ])('%s: one sentence naming the file, within the deadline, and this process goes on', async (_, source, message) => {
    const { dir, file } = never(source);
    const started = Date.now();
    const err = await loadUserExperiments(dir, BUILT_IN, { deadlineMs: 1000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(message(file));
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a signal ends the load at once', async () => {
    // The stuck module alone: with a good one before it, a loaded machine may still be loading that one at the signal.
    const dir = tempDir('shmlab-user-');
    const file = join(dir, 'stuck.mjs');
    writeFileSync(file, 'while (true) {}\n');
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGTERM'), 300);
    const started = Date.now();
    await expect(loadUserExperiments(dir, BUILT_IN, { signal: controller.signal, deadlineMs: 60_000 })).rejects.toThrow(
      new InterruptedError(`interrupted (SIGTERM) while loading ${file}`),
    );
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe("the user's programs in the images", () => {
  it('go into /bin of the build context, executable, and into the hash that names every image', async () => {
    const lease = await processLease();
    // The images' busybox too is the test's own program: only its bytes go into the hash and the context.
    const busybox = tiny;
    const plain = await imageSources(() => {}, lease, { busybox });
    const mine = await imageSources(() => {}, lease, { busybox, user: [{ name: 'mybox', path: tiny }] });
    const renamed = await imageSources(() => {}, lease, { busybox, user: [{ name: 'otherbox', path: tiny }] });
    const tags = [plain, mine, renamed].map((s) => variantTag('lab', s, IMAGES));
    expect(new Set(tags).size).toBe(3);
    const context = layOutContext(mine, lease);
    try {
      expect(statSync(join(context, 'bin', 'mybox')).mode & 0o111).toBe(0o111);
      expect(readFileSync(join(context, 'bin', 'mybox'))).toEqual(readFileSync(tiny));
      expect(statSync(join(context, 'bin', 'sysv-read')).isFile()).toBe(true);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  });
});

describe('--experiments on the command line: one sentence, exit 2, and no engine asked', () => {
  const CLI = join(ROOT, 'dist/src/cli.js');
  // An engine address where nothing answers: a request would turn into another message.
  const shmlab = (args: string[]) =>
    execa(process.execPath, [CLI, ...args], { reject: false, timeout: 120_000, env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });

  it.each<[string, () => string[], string | RegExp]>([
    [
      'run: a bad experiment file',
      () => ['run', '--experiments', folder("e.steps[1].container = 'db';"), '--report-dir', tempDir()],
      /^shmlab: .+\/mine\.mjs: steps\[1\]\.container is "db", which is not one of its containers \(app\)\.$/,
    ],
    [
      'matrix: a bad experiment file',
      () => ['matrix', '--engine', 'x=unix:///nonexistent.sock', '--experiments', folder('e.expect = [];'), '--report-dir', tempDir()],
      /^shmlab: .+\/mine\.mjs: expect must not be an empty list\.$/,
    ],
    [
      'run: --only a slug no folder has',
      () => ['run', '--experiments', join(ROOT, 'examples/exclusive-segment'), '--only', 'exclusive-segmnt'],
      /^shmlab: Unknown experiment exclusive-segmnt; run "shmlab list" to see them \(sysv-restart, .*, exclusive-segment\)\.$/,
    ],
    [
      'run: an empty --experiments',
      () => ['run', '--experiments', ''],
      'shmlab: Expected --experiments to name a folder of experiment modules, got an empty name.',
    ],
    [
      'run: C that does not compile',
      () => ['run', '--experiments', folder('', { 'c-src/broken.c': 'int main(void) { return nope; }\n' }), '--only', 'my-exp', '--report-dir', tempDir()],
      /^shmlab: .+\/c-src\/broken\.c does not compile \(cc -static -O2 -s -Wall\): broken\.c:1:.*error: .nope. undeclared.*$/,
    ],
  ])('%s', async (_, args, message) => {
    const r = await shmlab(args());
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 2, stderr: typeof message === 'string' ? message : expect.stringMatching(message) });
  });

  it('run: a module that never returns is one sentence naming it, exit 2, within its deadline', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'stuck.mjs'), 'while (true) {}\n');
    const started = Date.now();
    const r = await shmlab(['run', '--experiments', dir, '--report-dir', tempDir()]);
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({
      exitCode: 2,
      stderr: `shmlab: ${join(dir, 'stuck.mjs')} did not finish loading within 10 s (a loop at its top level that never ends?); a module must return when it is imported.`,
    });
    expect(Date.now() - started).toBeLessThan(25_000);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const)('run: %s while a module loads ends shmlab at once, with its exit code', async (signal, code) => {
    const dir = folder();
    writeFileSync(join(dir, 'stuck.mjs'), 'while (true) {}\n');
    const child = execa(process.execPath, [CLI, 'run', '--experiments', dir, '--report-dir', tempDir()], {
      reject: false,
      timeout: 120_000,
      env: { DOCKER_HOST: 'unix:///nonexistent.sock' },
      forceKillAfterDelay: false,
    });
    // Loading has begun once the process that tries the modules runs, and stuck.mjs's loop once a second has passed.
    const deadline = Date.now() + 60_000;
    while (!childrenOf(child.pid!).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000));
    const signalled = Date.now();
    child.kill(signal);
    const r = await child;
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({
      exitCode: code,
      stderr: `shmlab: ${signal}: stopping after the current steps and cleaning up...\nshmlab: interrupted (${signal}) while loading ${join(dir, 'stuck.mjs')}`,
    });
    expect(Date.now() - signalled).toBeLessThan(20_000);
    expect(childrenOf(child.pid!)).toEqual([]);
  });
});

/** The processes whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        // The parent is the 4th field, after the command's name in parentheses.
        return (
          Number(
            readFileSync(`/proc/${p}/stat`, 'utf8')
              .replace(/^.*\) /s, '')
              .split(' ')[1],
          ) === pid
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
