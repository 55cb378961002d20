// Where an engine's report goes: reports/<engine>-<version>.md and its .json twin.
import { engineId, FAMILIES, familyOf, productTitle } from '../model/family.js';
import type { EngineEnvironment } from '../model/result.js';

type Named = Pick<EngineEnvironment, 'kind' | 'serverVersion' | 'runtimeName' | 'ociRuntime' | 'rootless'>;

/** The runtime, where it is not the engines' usual runc: then it names the report and the column too. */
function otherRuntime(env: Named): string | undefined {
  const r = env.ociRuntime;
  if (!r || r.name === 'runc') return undefined;
  return r.version ? `${r.name} ${r.version}` : r.name;
}

export function reportBaseName(env: Named): string {
  const runtime = otherRuntime(env);
  return `${engineId(env)}-${env.serverVersion}${env.rootless ? '-rootless' : ''}${runtime ? `-${runtime.replace(' ', '-')}` : ''}`.replace(
    /[^A-Za-z0-9._+-]/g,
    '_',
  );
}

/** `Docker 20.10.24+dfsg1 with runsc 20221219.0`, `containerd 1.6.20~ds1 (Kubernetes CRI)`. */
export function engineTitle(env: Named): string {
  const runtime = otherRuntime(env);
  return `${productTitle(env)} ${env.serverVersion}${env.rootless ? ' (rootless)' : ''}${runtime ? ` with ${runtime}` : ''}${FAMILIES[familyOf(env.kind)].titleSuffix.report}`;
}

/**
 * An engine's column title: the engine and its version, and the OCI runtime where it is not the usual runc, so that
 * two columns of one engine under different runtimes are told apart: `Docker 20.10.24+dfsg1 · runsc 20221219`.
 */
export function columnTitle(env: Named): string {
  const runtime = otherRuntime(env);
  return `${productTitle(env)} ${env.serverVersion}${env.rootless ? ' rootless' : ''}${FAMILIES[familyOf(env.kind)].titleSuffix.column}${runtime ? ` · ${runtime}` : ''}`;
}
