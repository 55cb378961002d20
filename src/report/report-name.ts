// Where an engine's report goes: reports/<engine>-<version>.md and its .json twin.
import type { EngineEnvironment } from '../model/result.js';

type Named = Pick<EngineEnvironment, 'kind' | 'serverVersion' | 'runtimeName'>;

/** The engine's own name: docker, podman, or the CRI runtime's (containerd). */
export function engineName(env: Named): string {
  return env.kind === 'cri' ? (env.runtimeName ?? 'cri') : env.kind;
}

export function reportBaseName(env: Named): string {
  return `${engineName(env)}-${env.serverVersion}`.replace(/[^A-Za-z0-9._+-]/g, '_');
}

export function engineTitle(env: Named): string {
  if (env.kind === 'cri') return `${env.runtimeName ?? 'CRI runtime'} ${env.serverVersion} (Kubernetes CRI)`;
  return `${env.kind === 'podman' ? 'Podman' : 'Docker'} ${env.serverVersion}`;
}
