// User experiments (`--experiments DIR`): what a folder of experiment modules may hold, and what goes into the images.
// No engine: test/user-experiments.engine.test.ts runs the example against one; the refusals and the command line
// have files of their own.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGES } from '../experiments/images.js';
import { EXPERIMENTS, selectExperiments } from '../experiments/index.js';
import { imageSources, layOutContext, variantTag } from '../src/build/image-builder.js';
import { processLease } from '../src/lab/process-lease.js';
import { ROOT } from '../src/paths.js';
import { schemaProblem } from '../src/run/user-experiments/check-schema.js';
import { checkCrossReferences } from '../src/run/user-experiments/cross-references.js';
import { ourPrograms } from '../src/run/user-experiments/user-programs.js';
import { EXPERIMENT_SCHEMA } from '../src/run/user-experiments.js';
import { record } from './records.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';
import { BASE, BUILT_IN, folder, load, refusal, tinyProgram } from './user-experiments-kit.js';

afterAll(removeTempDirs);

let tiny: string;
beforeAll(async () => {
  tiny = await tinyProgram();
});

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
