// The order of engines in the matrix, compare and the README: Docker, Podman, then CRI runtimes; each by name and
// version, runc before other runtimes, an engine run as root before the same engine rootless.
import type { RunResult } from '../model/result.js';

const KIND_ORDER = ['docker', 'podman', 'cri'];

export function byEngine(a: RunResult, b: RunResult): number {
  const [x, y] = [a.environment, b.environment];
  return (
    KIND_ORDER.indexOf(x.kind) - KIND_ORDER.indexOf(y.kind) ||
    (x.runtimeName ?? '').localeCompare(y.runtimeName ?? '') ||
    x.serverVersion.localeCompare(y.serverVersion, 'en', { numeric: true }) ||
    Number(x.ociRuntime?.name !== undefined && x.ociRuntime.name !== 'runc') - Number(y.ociRuntime?.name !== undefined && y.ociRuntime.name !== 'runc') ||
    `${x.ociRuntime?.name ?? ''} ${x.ociRuntime?.version ?? ''}`.localeCompare(`${y.ociRuntime?.name ?? ''} ${y.ociRuntime?.version ?? ''}`, 'en', {
      numeric: true,
    }) ||
    Number(Boolean(x.rootless)) - Number(Boolean(y.rootless))
  );
}
