// The experiment schema says exactly what the model's types say: every object's fields (and which are required) and
// every enum are compared with src/model's, so that `npm run typecheck` (and the build) fails on a field added to one
// and not the other. A failure names what only one side has: `{ onlyInSchema: "onlyOn"; onlyInModel: "requires" }`.

import type {
  ContainerSpec,
  ContainerState,
  Experiment,
  MemoryKind,
  Operation,
  Step,
  StepAction,
  StepExpectation,
  SurvivalCell,
  VolumeSpec,
} from '../../model/experiment.js';
import type { Capability, ExpectationKey, FamilyName } from '../../model/family.js';
import type { EXPERIMENT_SCHEMA } from './experiment-schema.js';

type Schema = typeof EXPERIMENT_SCHEMA;
type Defs = Schema['definitions'];

/** `true` when the two unions are equal, else what each has that the other has not. */
type Same<InSchema, InModel> = [Exclude<InSchema, InModel>, Exclude<InModel, InSchema>] extends [never, never]
  ? true
  : { onlyInSchema: Exclude<InSchema, InModel>; onlyInModel: Exclude<InModel, InSchema> };

type Fields<S> = S extends { properties: infer P } ? keyof P : never;
type Required<S> = S extends { required: readonly (infer R)[] } ? R : never;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type Values<S> = S extends { enum: readonly (infer V)[] } ? V : never;

/** Both the fields and the required ones of an object schema, against an interface. */
type SameObject<S, T> = { fields: Same<Fields<S>, keyof T>; required: Same<Required<S>, RequiredKeys<T>> };

// `internals` is shmlab's own (vetted text on an engine's internals, with sources): a user's experiment has none.
type UserExperiment = Omit<Experiment, 'internals'>;

type Branch = Defs['step']['oneOf'][number];
type BranchOf<A> = Extract<Branch, { properties: { do: { const: A } } }>;
type StepOf<A, S = Step> = S extends { do: infer D } ? (A extends D ? S : never) : never;
type FamilyExpectations = NonNullable<NonNullable<Experiment['expectOn']>[ExpectationKey]>;

/** Each entry must be `true`; the compiler says which one is not, and why. */
export const SCHEMA_MATCHES_MODEL: {
  experiment: SameObject<Schema, UserExperiment>;
  container: SameObject<Defs['container'], ContainerSpec>;
  volume: SameObject<Defs['volume'], VolumeSpec>;
  actions: Same<Branch['properties']['do']['const'], StepAction>;
  steps: { [A in StepAction]: SameObject<BranchOf<A>, StepOf<A>> };
  expectation: SameObject<Defs['expectation'], StepExpectation>;
  familyExpectations: SameObject<Defs['familyExpectations'], FamilyExpectations>;
  survivalCell: SameObject<Defs['survivalCell'], SurvivalCell>;
  section: Same<Values<Schema['properties']['section']>, Experiment['section']>;
  families: Same<Values<Defs['family']>, FamilyName>;
  expectOnFamilies: Same<Values<Defs['expectationKey']>, keyof NonNullable<Experiment['expectOn']>>;
  skipOnFamilies: Same<FamilyName, keyof NonNullable<StepOf<'run'>['skipOn']>>;
  capabilities: Same<Values<Schema['properties']['requires']['items']>, Capability>;
  states: Same<Values<Defs['expectation']['properties']['state']>, ContainerState>;
  memoryKinds: Same<Values<Defs['survivalCell']['properties']['kind']>, MemoryKind>;
  operations: Same<Values<Defs['survivalCell']['properties']['operation']>, Operation>;
  medium: Same<Values<Defs['volume']['properties']['medium']>, NonNullable<VolumeSpec['medium']>>;
} = {
  experiment: { fields: true, required: true },
  container: { fields: true, required: true },
  volume: { fields: true, required: true },
  actions: true,
  steps: Object.fromEntries(
    ['run', 'exec', 'await', 'commit', 'host-sysctls', 'host-segment', 'stop', 'start', 'kill', 'pause', 'unpause', 'remove', 'diff', 'inspect', 'logs'].map(
      (a) => [a, { fields: true, required: true }],
    ),
  ) as { [A in StepAction]: { fields: true; required: true } },
  expectation: { fields: true, required: true },
  familyExpectations: { fields: true, required: true },
  survivalCell: { fields: true, required: true },
  section: true,
  families: true,
  expectOnFamilies: true,
  skipOnFamilies: true,
  capabilities: true,
  states: true,
  memoryKinds: true,
  operations: true,
  medium: true,
};
