// An exported value against the experiment schema (./experiment-schema.ts), with ajv: undefined when it follows it,
// else what is wrong as one clause naming the field as a user writes it (`steps[1].cmd is missing`).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { EXPERIMENT_SCHEMA } from './experiment-schema.js';
import { kindOf, shown } from './words.js';

// The part of a schema node the sentences read.
interface Node {
  title?: string;
  properties?: Record<string, unknown>;
  additionalProperties?: unknown;
  oneOf?: { properties?: { do?: { const?: string } } }[];
  'x-problem'?: Record<string, string>;
}

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (validator) return validator;
  // verbose: each error carries its schema node and the value, which the sentence shows. allErrors off: the last error
  // is the one that failed the value (any before it are the branches of that failing anyOf or propertyNames).
  const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, discriminator: true });
  ajv.addKeyword('x-problem');
  ajv.addKeyword({
    keyword: 'x-instanceof',
    schemaType: 'string',
    validate: (kind: string, data: unknown) => (kind === 'RegExp' ? data instanceof RegExp : kind === 'Function' && typeof data === 'function'),
  });
  validator = ajv.compile(EXPERIMENT_SCHEMA);
  return validator;
}

/** What is wrong with `value` as an experiment (a clause that starts with the field), or undefined. */
export function schemaProblem(value: unknown): string | undefined {
  const validate = compiled();
  if (validate(value)) return undefined;
  const errors = validate.errors ?? [];
  const error = errors.at(-1);
  return error ? sentence(error, errors.at(-2), value) : 'does not match the experiment schema';
}

function sentence(e: ErrorObject, before: ErrorObject | undefined, root: unknown): string {
  const field = fieldOf(root, e.instancePath);
  const node = e.parentSchema as Node;
  switch (e.keyword) {
    case 'required': {
      // A misspelt field is both unknown and a missing one: the unknown one says what to fix.
      const unknown = unknownField(node, e.data);
      if (unknown !== undefined) return notAField(field, unknown, node);
      return `${child(field, String(e.params.missingProperty))} is missing`;
    }
    case 'additionalProperties':
      return notAField(field, String(e.params.additionalProperty), node);
    case 'propertyNames': {
      const key = String(e.params.propertyName);
      return `${field || 'the experiment'} (the key ${JSON.stringify(key)}) ${before ? problem(before, key) : 'is not allowed'}`;
    }
    case 'discriminator': {
      const tag = String(e.params.tag);
      const given: unknown = e.params.tagValue;
      if (given === undefined) return `${child(field, tag)} is missing`;
      const actions = (node.oneOf ?? []).map((b) => JSON.stringify(b.properties?.do?.const));
      return `${child(field, tag)} must be one of ${actions.join(', ')} (it is ${shown(given)})`;
    }
    default:
      return `${field || 'the default export'} ${problem(e, e.data)}`;
  }
}

// What is wrong with the value of one field, after its name.
function problem(e: ErrorObject, value: unknown): string {
  const own = (e.parentSchema as Node)['x-problem']?.[e.keyword];
  if (own) return own.replace('{value}', shown(value)).replace('{kind}', kindOf(value));
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return `must be ${typeWords(String(p.type))} (it is ${kindOf(value)})`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (it is ${shown(value)})`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)} when given (it is ${shown(value)})`;
    case 'minItems':
      return 'must not be an empty list';
    case 'uniqueItems':
      return `must not name ${shown((value as unknown[])[Number(p.j)])} twice`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters (it is ${shown(value)})`;
    case 'pattern':
      return `must match ${String(p.pattern)} (it is ${shown(value)})`;
    default:
      return `${e.message ?? 'does not match the experiment schema'} (it is ${shown(value)})`;
  }
}

function notAField(field: string, name: string, node: Node): string {
  const fields = Object.keys(node.properties ?? {}).join(', ');
  return `${child(field, name)} is not a field of ${node.title ?? 'this object'} (its fields: ${fields})`;
}

function unknownField(node: Node, data: unknown): string | undefined {
  if (node.additionalProperties !== false || typeof data !== 'object' || data === null) return undefined;
  return Object.keys(data).find((k) => !(k in (node.properties ?? {})));
}

// The field as a user writes it in JavaScript: containers.app.volumes[0].target, containers.app.sysctls["kernel.shmmax"].
function fieldOf(root: unknown, pointer: string): string {
  let at: unknown = root;
  let field = '';
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    field = Array.isArray(at) ? `${field}[${key}]` : child(field, key);
    at = (at as Record<string, unknown> | undefined)?.[key];
  }
  return field;
}

function child(field: string, key: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) return `${field}[${JSON.stringify(key)}]`;
  return field ? `${field}.${key}` : key;
}

function typeWords(type: string): string {
  const words: Record<string, string> = { object: 'an object', array: 'a list', string: 'a string', integer: 'a whole number', boolean: 'true or false' };
  return type
    .split(',')
    .map((t) => words[t] ?? t)
    .join(' or ');
}
