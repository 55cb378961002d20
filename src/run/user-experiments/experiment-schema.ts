// The JSON Schema of a user experiment (the Experiment type of src/model/experiment.ts, as a user's module gives it),
// shipped as schema/experiment-v1.schema.json; a unit test checks that the file is this object, and
// ./schema-matches-model.ts that its fields and enums are exactly the model's (`npm run typecheck` fails otherwise).
// To write the file again after a change here:
//   npm run -s build && node -e "import('./dist/src/run/user-experiments/experiment-schema.js').then((m) =>
//     require('node:fs').writeFileSync('schema/experiment-v1.schema.json', JSON.stringify(m.EXPERIMENT_SCHEMA)))"
//   npx biome format --write schema/experiment-v1.schema.json
//
// Beyond draft-07, three keywords, which other validators ignore: `discriminator` (OpenAPI's, which ajv knows: a step's
// `do` chooses its fields), `x-instanceof` (a value JSON cannot hold: a RegExp or a Function) and `x-problem` (the
// words of the one sentence a failed keyword of that node gets, `{value}`/`{kind}` standing for what was given).
// What a schema cannot say (a step names a declared container, ...) is ./cross-references.ts.

import type { FamilyName } from '../../model/family.js';

const NAME = '^[a-z0-9]+(-[a-z0-9]+)*$';
const SYSCTL = '^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+$';

const name = (max: number) =>
  ({
    type: 'string',
    pattern: NAME,
    maxLength: max,
    'x-problem': Object.fromEntries(
      ['type', 'pattern', 'maxLength'].map((k) => [
        k,
        `must be lower-case letters and digits, words joined by dashes, at most ${max} characters (it is {value})`,
      ]),
    ),
  }) as const;

const ref = <const D extends string>(definition: D) => ({ $ref: `#/definitions/${definition}` }) as const;

const STEP_BASE = {
  id: { description: 'Unique within the experiment; expectations refer to it.', ...ref('text') },
  container: { description: 'One of its containers.', ...ref('text') },
  why: { description: 'One line saying why this step is here, shown in the transcript.', ...ref('text') },
  evidence: { description: 'Evidence only: an engine without this operation skips it.', const: true },
  skipOn: { description: 'Engine families on which this step is not taken, each with why.', ...ref('skipOn') },
} as const;

// One branch of `steps[]`: the fields every step has, `do`, and the action's own.
const step = <const A extends string, const P extends object, const R extends readonly string[]>(action: A, own: P, required: R) =>
  ({
    title: `${/^[aeiou]/.test(action) ? 'an' : 'a'} ${action} step`,
    type: 'object',
    additionalProperties: false,
    required: ['id', 'do', 'container', ...required],
    properties: {
      id: STEP_BASE.id,
      do: { const: action },
      container: STEP_BASE.container,
      why: STEP_BASE.why,
      evidence: STEP_BASE.evidence,
      skipOn: STEP_BASE.skipOn,
      ...own,
    },
  }) as const;

const plain = <const A extends string>(action: A) => step(action, {}, []);

const FAMILIES = ['docker-api', 'cri'] as const;
const SET_UPS = ['rootless', 'rootless-docker-20.10'] as const;

export const EXPERIMENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'urn:shmlab:experiment:1',
  title: 'an experiment',
  description:
    "A user experiment of `shmlab run --experiments DIR`: what each *.js or *.mjs module of DIR default-exports (or a list of them), the Experiment type of src/model/experiment.ts without `internals` (shmlab's own, vetted text on an engine's internals). It is JavaScript, not JSON: `observe`, `brief`, `whenDiffers` are functions, `mayBeRefused` and expectations' texts may be regular expressions (`x-instanceof`). shmlab also checks what a schema cannot: steps name declared containers, a step comes after its container runs, expectations name steps, programs are in the image, `observe` returns a phrase before any step.",
  type: 'object',
  additionalProperties: false,
  required: ['slug', 'title', 'section', 'source', 'blogSaw', 'expectedToday', 'explanation', 'containers', 'steps', 'expect', 'observe'],
  'x-problem': { type: 'must be an experiment object (or a list of them) (it is {kind})' },
  properties: {
    slug: { description: "Its name in reports and --only; not one of shmlab's.", ...ref('slug') },
    title: ref('text'),
    section: { description: "The report's group: A, B (the blog's two articles), C (beyond the blog), D (Kubernetes pods).", enum: ['A', 'B', 'C', 'D'] },
    source: ref('text'),
    blogSaw: { description: 'What the blog saw, if it says anything (may be empty).', type: 'string' },
    expectedToday: ref('text'),
    explanation: { description: 'Markdown: why engines behave so.', ...ref('text') },
    containers: {
      description: 'Its containers, by name.',
      type: 'object',
      minProperties: 1,
      propertyNames: ref('name'),
      additionalProperties: ref('container'),
      'x-problem': { type: 'must be an object of container names and specs (it is {kind})', minProperties: 'must name at least one container' },
    },
    steps: { type: 'array', minItems: 1, items: ref('step') },
    expect: { description: 'What each observation must look like.', type: 'array', minItems: 1, items: ref('expectation') },
    expectOn: {
      description:
        "An engine family's own expectations, replacing the common ones by step, where families legitimately differ; or a set-up's (rootless, rootless-docker-20.10), applied after its family's.",
      type: 'object',
      propertyNames: ref('expectationKey'),
      additionalProperties: ref('familyExpectations'),
    },
    requires: {
      description: 'What it needs of an engine family beyond the basic operations; a family that lacks one makes it not applicable there.',
      type: 'array',
      uniqueItems: true,
      items: { enum: ['pause', 'commit', 'diff', 'pods', 'container-sysctls', 'ipc-modes', 'user-namespaces', 'memory-limit'] },
    },
    changesHost: { description: "It changes the host's sysctls (a host-sysctls step): --no-host-changes leaves it out.", const: true },
    alone: { description: 'It disturbs the engine for the other experiments (it restarts the runtime daemon): run after them, alone.', const: true },
    observe: {
      description: '(steps) => string: a short phrase from the observations only ("not run" before any step).',
      'x-instanceof': 'Function',
      'x-problem': { 'x-instanceof': 'must be a function (steps) => string that says what was observed (it is {kind})' },
    },
    brief: {
      description: "(steps) => string: the outcome in a word or two (at most 12 characters) for the matrix's cell, from the observations only, as observe.",
      'x-instanceof': 'Function',
      'x-problem': { 'x-instanceof': 'must be a function (steps) => string of at most 12 characters when given (it is {kind})' },
    },
    whenDiffers: {
      description: '(steps) => markdown or undefined, for a differs verdict.',
      'x-instanceof': 'Function',
      'x-problem': { 'x-instanceof': 'must be a function (steps) => markdown or undefined when given (it is {kind})' },
    },
    survival: { description: 'Cells of the survival table it fills.', type: 'array', minItems: 1, items: ref('survivalCell') },
  },
  definitions: {
    text: { type: 'string', pattern: '\\S', 'x-problem': { pattern: 'must not be empty' } },
    slug: name(40),
    name: name(20),
    family: { enum: FAMILIES },
    expectationKey: { enum: [...FAMILIES, ...SET_UPS] },
    sysctls: {
      description: 'Sysctl names (kernel.shmmax) and their values.',
      type: 'object',
      propertyNames: { type: 'string', pattern: SYSCTL, 'x-problem': { pattern: 'must be a sysctl name such as kernel.shmmax (it is {value})' } },
      additionalProperties: ref('text'),
    },
    positive: {
      type: 'integer',
      minimum: 1,
      'x-problem': { type: 'must be a positive whole number (it is {value})', minimum: 'must be a positive whole number (it is {value})' },
    },
    regExp: { 'x-instanceof': 'RegExp', 'x-problem': { 'x-instanceof': 'must be a regular expression (it is {kind})' } },
    textMatch: {
      anyOf: [{ type: 'string' }, { 'x-instanceof': 'RegExp' }],
      'x-problem': { anyOf: 'must be a string or a regular expression (it is {kind})' },
    },
    program: {
      description: 'A program and its arguments; a program without a path is looked up in the image (/bin, /sbin).',
      type: 'array',
      minItems: 1,
      items: { type: 'string' },
      'x-problem': { minItems: 'must name a program' },
    },
    container: {
      title: 'a container spec',
      type: 'object',
      additionalProperties: false,
      'x-problem': { type: 'must be an object (a container spec; {} for the defaults) (it is {kind})' },
      properties: {
        image: { description: 'An image of shmlab\'s (default "lab"), or "@<as>" of a commit step.', ...ref('text') },
        cmd: { description: "Overrides the image's CMD.", ...ref('program') },
        ipc: {
          type: 'string',
          pattern: '^(private|shareable|host|container:.+)$',
          'x-problem': { pattern: 'must be "private", "shareable", "host" or "container:<another of its containers>" (it is {value})' },
        },
        sysctls: ref('sysctls'),
        privileged: { type: 'boolean' },
        shmSizeBytes: ref('positive'),
        memoryLimitBytes: ref('positive'),
        volumes: { type: 'array', minItems: 1, items: ref('volume') },
        hostUsers: { description: "Pods only: false gives the pod a user namespace of its own (Kubernetes' hostUsers: false).", const: false },
        procMount: { description: "Pods only: Kubernetes' procMount: Unmasked.", enum: ['Unmasked'] },
      },
    },
    volume: {
      title: 'a volume',
      type: 'object',
      additionalProperties: false,
      required: ['volume', 'target'],
      properties: {
        volume: ref('name'),
        target: { type: 'string', pattern: '^/', 'x-problem': { pattern: 'must be an absolute path in the container (it is {value})' } },
        medium: { description: 'A tmpfs of sizeBytes (emptyDir medium: Memory; --tmpfs).', enum: ['Memory'] },
        sizeBytes: ref('positive'),
      },
    },
    skipOn: { type: 'object', propertyNames: ref('family'), additionalProperties: ref('text') },
    step: {
      type: 'object',
      discriminator: { propertyName: 'do' },
      'x-problem': { type: 'must be an object {id, do, container, ...} (it is {kind})' },
      oneOf: [
        step(
          'run',
          {
            mayBeRefused: { description: 'The words naming a setting the engine may refuse.', ...ref('regExp') },
            skipAdmission: { description: "Sent without the admission shmlab applies in the kubelet's place (CRI).", const: true },
          },
          [],
        ),
        step('exec', { cmd: ref('program') }, ['cmd']),
        step('await', { marker: ref('text') }, ['marker']),
        step('commit', { as: ref('name') }, ['as']),
        step('host-sysctls', { set: ref('sysctls') }, ['set']),
        step(
          'host-segment',
          {
            removeAs: {
              description: "A host uid that tries to remove the run's host-key segment (ipcrm), instead of looking at it.",
              type: 'integer',
              minimum: 0,
            },
          },
          [],
        ),
        plain('stop'),
        plain('start'),
        plain('kill'),
        plain('pause'),
        plain('unpause'),
        plain('remove'),
        plain('diff'),
        plain('inspect'),
        plain('logs'),
        plain('kill-sandbox'),
        plain('recreate-sandbox'),
        plain('restart-runtime'),
      ],
    },
    expectation: {
      title: 'an expectation',
      type: 'object',
      additionalProperties: false,
      required: ['step', 'means'],
      minProperties: 3,
      'x-problem': {
        type: 'must be an object {step, means, ...} (it is {kind})',
        minProperties: 'checks nothing: give at least one of exitCode, refused, stdout, stderr, output, state',
      },
      properties: {
        step: ref('text'),
        means: { description: 'What this expectation means, in words.', ...ref('text') },
        exitCode: {
          anyOf: [{ type: 'integer', minimum: 0, maximum: 255 }, { const: 'non-zero' }],
          'x-problem': { anyOf: 'must be a whole number from 0 to 255 or "non-zero" (it is {value})' },
        },
        refused: { type: 'boolean' },
        stdout: ref('textMatch'),
        stderr: ref('textMatch'),
        output: { description: 'Matched against stdout and stderr together.', ...ref('textMatch') },
        state: { enum: ['running', 'exited', 'paused', 'created'] },
      },
    },
    familyExpectations: {
      title: "an engine family's own expectations",
      type: 'object',
      additionalProperties: false,
      required: ['why', 'expect'],
      'x-problem': { type: 'must be an object {why, expect, drop?} (it is {kind})' },
      properties: {
        why: ref('text'),
        expect: { type: 'array', items: ref('expectation') },
        drop: { description: 'Steps whose common expectations do not apply there.', type: 'array', items: ref('text') },
      },
    },
    survivalCell: {
      title: 'a survival cell',
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'operation', 'step', 'written'],
      'x-problem': { type: 'must be an object {kind, operation, step, written} (it is {kind})' },
      properties: {
        kind: {
          enum: ['sysv-private', 'sysv-sem', 'sysv-msg', 'posix-mq', 'sysv-host', 'sysv-holder', 'posix-shm', 'mmap-layer', 'mmap-volume', 'memory-volume'],
        },
        operation: { enum: ['restart', 'pause', 'kill', 'recreate', 'commit', 'sandbox', 'runtime'] },
        step: { description: 'The step whose read tells.', ...ref('text') },
        written: { description: 'The step that wrote the data.', ...ref('text') },
        kept: { description: 'What the read prints when the data is kept (default: a..z).', type: 'string' },
      },
    },
  },
} as const;

/** The engine families an experiment may name (expectOn, skipOn): the model's, as ./schema-matches-model.ts checks. */
export const FAMILY_NAMES: readonly FamilyName[] = FAMILIES;
