// Where an engine's report goes: reports/<engine>-<version>.md and its .json twin.
import type { EngineEnvironment } from '../model/result.js';

export function reportBaseName(env: Pick<EngineEnvironment, 'kind' | 'serverVersion'>): string {
  return `${env.kind}-${env.serverVersion}`.replace(/[^A-Za-z0-9._+-]/g, '_');
}

export function engineTitle(env: Pick<EngineEnvironment, 'kind' | 'serverVersion'>): string {
  return `${env.kind === 'podman' ? 'Podman' : 'Docker'} ${env.serverVersion}`;
}
