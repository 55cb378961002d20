// What the experiment schema cannot say, checked on an experiment that follows it: the names that must refer to
// something of the same experiment (a declared container, an earlier step, a commit's image), of shmlab (its images,
// the programs in them), and what its observe says before any step has run.
import { APPLETS } from '../../build/busybox.js';
import { oneLine } from '../../errors.js';
import type { Experiment, StepRecord } from '../../model/experiment.js';
import type { FamilyName } from '../../model/family.js';
import { FAMILY_NAMES } from './experiment-schema.js';
import { kindOf } from './words.js';

/** What an experiment may name outside itself. */
interface Catalogue {
  /** shmlab's image variants (experiments/images.ts). */
  images: readonly string[];
  /** The programs in the images' /bin and /sbin: shmlab's own (its probes, busybox's applets, the fixtures' scripts). */
  ours: ReadonlySet<string>;
  /** The user's programs (DIR/bin, DIR/c-src). */
  yours: readonly string[];
}

/** Fails with the field and what is wrong with it. */
type Fail = (field: string, problem: string) => never;

export function checkCrossReferences(e: Experiment, fail: Fail, catalogue: Catalogue): void {
  const names = Object.keys(e.containers);
  const ids = e.steps.map((s) => s.id);
  const isStep = (id: string, field: string) => {
    if (!ids.includes(id)) fail(field, `is "${id}", which is not one of its steps (${ids.join(', ')})`);
  };
  // A program named without a path is looked up in the image's /bin and /sbin: it must be there.
  const program = (cmd: readonly string[], field: string) => {
    const name = cmd[0] ?? '';
    if (name.includes('/') || catalogue.ours.has(name) || catalogue.yours.includes(name)) return;
    const yours = catalogue.yours.join(', ') || 'none';
    fail(
      `${field}[0]`,
      `is "${name}", which is no program in the image (yours: ${yours}; shmlab's: see c-src/; busybox's: ${APPLETS.join(' ')}); give a path to run something else`,
    );
  };

  // Containers: an image of shmlab's or `@<as>` of a commit step, a program in it, an IPC namespace of another of them.
  const committed = e.steps.flatMap((s) => (s.do === 'commit' ? [s.as] : []));
  for (const [name, c] of Object.entries(e.containers)) {
    const field = `containers.${name}`;
    if (c.image !== undefined && !(c.image.startsWith('@') ? committed.includes(c.image.slice(1)) : catalogue.images.includes(c.image))) {
      fail(
        `${field}.image`,
        `is ${JSON.stringify(c.image)}, which is neither an image of shmlab's (${catalogue.images.join(', ')}) nor "@<name>" of a commit step's "as"`,
      );
    }
    if (c.cmd) program(c.cmd, `${field}.cmd`);
    const other = c.ipc?.startsWith('container:') ? c.ipc.slice('container:'.length) : undefined;
    if (other !== undefined && (!names.includes(other) || other === name))
      fail(`${field}.ipc`, `is ${JSON.stringify(c.ipc)}; it must be "private", "shareable", "host" or "container:<another of its containers>"`);
  }

  // Steps: unique ids, declared containers, each container run before anything else is done to it on every engine
  // family (a step skipped on one is not taken there), an image committed before a container runs it.
  const running = Object.fromEntries(FAMILY_NAMES.map((f) => [f, new Set<string>()])) as Record<FamilyName, Set<string>>;
  const made = new Set<string>();
  e.steps.forEach((s, i) => {
    const field = `steps[${i}]`;
    if (ids.indexOf(s.id) < i) fail(`${field}.id`, `"${s.id}" is the id of an earlier step too; ids must be unique`);
    const c = s.container;
    if (!names.includes(c)) fail(`${field}.container`, `is "${c}", which is not one of its containers (${names.join(', ')})`);
    for (const family of FAMILY_NAMES) {
      if (s.skipOn?.[family] !== undefined) continue;
      const on = running[family];
      if (s.do === 'run') on.add(c);
      else if (s.do !== 'host-sysctls' && !on.has(c)) {
        const skipped = e.steps.slice(0, i).some((p) => p.do === 'run' && p.container === c && p.skipOn?.[family] !== undefined);
        fail(
          `${field}.container`,
          skipped
            ? `is "${c}", which no earlier step runs on ${family} (its run step is skipped there); skip this step there too`
            : `is "${c}", which no earlier step runs (a "run" step creates and starts it)`,
        );
      }
      if (s.do === 'remove') on.delete(c);
    }
    const image = e.containers[c]?.image;
    if (s.do === 'run' && image?.startsWith('@') && !made.has(image.slice(1)))
      fail(`${field}.container`, `is "${c}", whose image "${image}" no earlier step makes (a commit step with as: "${image.slice(1)}" comes first)`);
    if (s.do === 'commit') made.add(s.as);
    if (s.do === 'exec') program(s.cmd, `${field}.cmd`);
    if (s.do === 'host-sysctls' && e.changesHost !== true)
      fail('changesHost', `must be true: step ${s.id} changes the host's sysctls, which --no-host-changes must be able to leave out`);
  });

  e.expect.forEach((x, i) => {
    isStep(x.step, `expect[${i}].step`);
  });
  for (const [family, own] of Object.entries(e.expectOn ?? {})) {
    own?.expect.forEach((x, i) => {
      isStep(x.step, `expectOn.${family}.expect[${i}].step`);
    });
    own?.drop?.forEach((d, i) => {
      isStep(d, `expectOn.${family}.drop[${i}]`);
    });
  }

  // Before any step: a run can stop anywhere, so the phrase must come from whatever steps there are ("not run").
  let phrase: unknown;
  try {
    phrase = (e.observe as (steps: ReadonlyMap<string, StepRecord>) => unknown)(new Map());
  } catch (err) {
    fail('observe', `throws when no step has run (${oneLine(String((err as Error)?.message ?? err))}); say so instead, e.g. "not run"`);
  }
  if (typeof phrase !== 'string' || !phrase.trim())
    fail('observe', `must return a phrase when no step has run, e.g. "not run" (it returned ${kindOf(phrase)})`);

  e.survival?.forEach((cell, i) => {
    isStep(cell.step, `survival[${i}].step`);
    isStep(cell.written, `survival[${i}].written`);
  });
}
