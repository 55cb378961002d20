// The stack that ran an experiment, read from a report's environment: what engine- and runtime-specific text is keyed by.
import type { Stack } from './experiment.js';
import { engineId, familyOf } from './family.js';
import type { EngineEnvironment } from './result.js';

export function stackOf(env: Pick<EngineEnvironment, 'kind' | 'runtimeName' | 'serverVersion' | 'runtime' | 'ociRuntime'>): Stack {
  const runtime = env.ociRuntime?.name ?? env.runtime.split(/\s+/)[0] ?? '';
  return { kind: env.kind, family: familyOf(env.kind), engine: engineId(env), version: env.serverVersion, runtime };
}

/** The major version of the stack's engine (`2` of containerd 2.1.9), NaN where it has none. */
export function majorOf(stack: Stack): number {
  return Number.parseInt(stack.version.replace(/^v/, ''), 10);
}
