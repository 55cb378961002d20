// User experiments: anything a folder of experiment modules may not hold gets one sentence naming the file and the
// field, from the loader, before any engine is asked.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from './temp-dirs.js';
import { BASE, escapeRegExp, folder, load, refusal, tinyProgram } from './user-experiments-kit.js';

afterAll(removeTempDirs);

let tiny: string;
beforeAll(async () => {
  tiny = await tinyProgram();
});

describe('what a user experiment may not be', () => {
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
        `${f}: expects is not a field of an experiment (its fields: slug, title, section, source, blogSaw, expectedToday, explanation, containers, steps, expect, expectOn, requires, changesHost, alone, observe, brief, whenDiffers, survival).`,
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
        `${f}: steps[1].do must be one of "run", "exec", "await", "commit", "host-sysctls", "host-segment", "stop", "start", "kill", "pause", "unpause", "remove", "diff", "inspect", "logs", "kill-sandbox", "recreate-sandbox", "restart-runtime" (it is "reboot").`,
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
        `${f}: containers.app.image is "postgres:16", which is neither an image of shmlab's (lab, startup-script, init-hook, postgresql) nor "@<name>" of a commit step's "as".`,
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
      (f) => `${f}: expectOn (the key "lxc") must be one of "docker-api", "cri", "rootless", "rootless-docker-20.10" (it is "lxc").`,
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
        `${f}: internals is not a field of an experiment (its fields: slug, title, section, source, blogSaw, expectedToday, explanation, containers, steps, expect, expectOn, requires, changesHost, alone, observe, brief, whenDiffers, survival).`,
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
});
