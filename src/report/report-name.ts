// Where an engine's report goes: reports/<engine>-<version>.md and its .json twin.
import type { EngineEnvironment } from '../model/result.js';

type Named = Pick<EngineEnvironment, 'kind' | 'serverVersion' | 'runtimeName' | 'ociRuntime'>;

/** The runtime, where it is not the engines' usual runc: then it names the report and the column too. */
export function otherRuntime(env: Named): string | undefined {
  const r = env.ociRuntime;
  if (!r || r.name === 'runc') return undefined;
  return r.version ? `${r.name} ${r.version}` : r.name;
}

/** The engine's own name: docker, podman, or the CRI runtime's (containerd). */
export function engineName(env: Named): string {
  return env.kind === 'cri' ? (env.runtimeName ?? 'cri') : env.kind;
}

export function reportBaseName(env: Named): string {
  const runtime = otherRuntime(env);
  return `${engineName(env)}-${env.serverVersion}${runtime ? `-${runtime.replace(' ', '-')}` : ''}`.replace(/[^A-Za-z0-9._+-]/g, '_');
}

export function engineTitle(env: Named): string {
  if (env.kind === 'cri') return `${env.runtimeName ?? 'CRI runtime'} ${env.serverVersion} (Kubernetes CRI)`;
  const runtime = otherRuntime(env);
  return `${env.kind === 'podman' ? 'Podman' : 'Docker'} ${env.serverVersion}${runtime ? ` with ${runtime}` : ''}`;
}
