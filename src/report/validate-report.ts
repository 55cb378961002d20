// The report format's JSON Schema (schema/report-v1.schema.json), and what a report that does not follow it is told.
// Two readings of one schema: shmlab writes nothing the schema does not name (strict: a field added to result.ts but
// not to the schema is a harness bug the tests catch), and reads any report of format 1, including one from a later
// shmlab that added optional fields (lenient: unknown fields are accepted).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { RunResult } from '../model/result.js';
import { ROOT } from '../paths.js';

export const REPORT_SCHEMA_PATH = join(ROOT, 'schema', 'report-v1.schema.json');

let validators: { strict: ValidateFunction; lenient: ValidateFunction } | undefined;

function compiled(): { strict: ValidateFunction; lenient: ValidateFunction } {
  if (validators) return validators;
  const schema = JSON.parse(readFileSync(REPORT_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
  // verbose: the errors carry the value that failed, so that the sentence can show it.
  const ajv = new Ajv({ allErrors: false, verbose: true, strict: true });
  const strict = ajv.compile(schema);
  const lenient = ajv.compile({ ...withoutClosedObjects(schema), $id: `${String(schema.$id)}:lenient` });
  validators = { strict, lenient };
  return validators;
}

// The same schema with every `additionalProperties: false` taken out.
function withoutClosedObjects(node: unknown): Record<string, unknown> {
  if (Array.isArray(node)) return node.map(withoutClosedObjects) as never;
  if (typeof node !== 'object' || node === null) return node as never;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === 'additionalProperties' && v === false))
      .map(([k, v]) => [k, withoutClosedObjects(v)]),
  );
}

/**
 * Undefined when `data` is a report of format 1, else what is wrong, as a clause that names the field by its JSON
 * pointer: `/experiments/3/verdict must be one of "as expected", "differs", "error", "not applicable" (it is "passed")`.
 * `strict`: fields the schema does not name are refused too (for what shmlab writes).
 */
export function reportProblem(data: unknown, options: { strict?: boolean } = {}): string | undefined {
  // The format first: a report of another format is that, whatever else it lacks.
  if (typeof data === 'object' && data !== null && !Array.isArray(data) && (data as { format?: unknown }).format !== 1) {
    const format = (data as { format?: unknown }).format;
    return format === undefined ? '/format is missing' : `/format must be 1, the format this shmlab reads (it is ${shown(format)})`;
  }
  const { strict, lenient } = compiled();
  const validate = options.strict ? strict : lenient;
  if (validate(data)) return undefined;
  const error = validate.errors?.[0];
  return error ? describe(error) : 'it does not match the report schema';
}

/** Whether `data` is a report this version can read (the lenient reading). */
export function isReport(data: unknown): data is RunResult {
  return reportProblem(data) === undefined;
}

function describe(e: ErrorObject): string {
  const at = e.instancePath || '';
  const field = (name: string) => `${at}/${name}`;
  const top = at === '' ? 'the top level' : at;
  const value = e.data;
  switch (e.keyword) {
    case 'required':
      return `${field(String(e.params.missingProperty))} is missing`;
    case 'additionalProperties':
      return `${field(String(e.params.additionalProperty))} is not a field of format 1`;
    case 'type':
      return `${top} must be ${typeWords(String(e.params.type))} (it is ${kindOf(value)})`;
    case 'enum':
      return `${top} must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (it is ${shown(value)})`;
    case 'const':
      return `${top} must be ${JSON.stringify(e.params.allowedValue)} (it is ${shown(value)})`;
    case 'minLength':
      return `${top} must not be empty`;
    case 'minimum':
      return `${top} must be at least ${String(e.params.limit)} (it is ${shown(value)})`;
    case 'pattern':
      return `${top} must be ${e.schemaPath.includes('/date/') ? 'an ISO 8601 date' : `a string matching ${String(e.params.pattern)}`} (it is ${shown(value)})`;
    default:
      return `${top} ${e.message ?? 'does not match the report schema'}`;
  }
}

function typeWords(type: string): string {
  const words: Record<string, string> = {
    object: 'an object',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
    null: 'null',
  };
  return type
    .split(',')
    .map((t) => words[t] ?? t)
    .join(' or ');
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${shown(value)}`;
  return shown(value);
}

// A value as JSON, cut short: the sentence must stay one line and readable.
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
