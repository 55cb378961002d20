// A report records every step an experiment may take: the report schema's actions are the model's (as the user
// experiment schema, type-checked against the model, lists them), and the runner's `cleanup`.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { REPORT_SCHEMA_PATH } from '../src/report/validate-report.js';
import { EXPERIMENT_SCHEMA } from '../src/run/user-experiments/experiment-schema.js';

it("the report schema names every step action of the model, and cleanup: a new action is a report's too", () => {
  const schema = JSON.parse(readFileSync(REPORT_SCHEMA_PATH, 'utf8'));
  const inReports: string[] = schema.definitions?.step?.properties?.action?.enum ?? findActionEnum(schema);
  const inModel = EXPERIMENT_SCHEMA.definitions.step.oneOf.map((branch) => branch.properties.do.const);
  expect([...inReports].sort()).toEqual([...inModel, 'cleanup'].sort());
});

/** The enum of the schema's step `action`, wherever the schema keeps it. */
function findActionEnum(node: unknown): string[] {
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    const action = (o.properties as Record<string, { enum?: string[] }> | undefined)?.action;
    if (action?.enum?.includes('cleanup')) return action.enum;
    for (const value of Object.values(o)) {
      const found = findActionEnum(value);
      if (found.length) return found;
    }
  }
  return [];
}
