import { describe, expect, it } from 'vitest';
import { record, runResult } from '../../test/records.js';
import { EXPERIMENTS } from '../../experiments/index.js';
import type { ExperimentResult } from '../model/result.js';
import { renderMatrix } from './render-matrix.js';

const result = (slug: string, observed: string, extra: Partial<ExperimentResult> = {}): ExperimentResult => ({
  slug, verdict: 'as expected', observed, differences: [], steps: [record('x')], durationMs: 1, grants: [], ...extra,
});

const docker = runResult([result('sysv-restart', 'lost (ENOENT)'), result('ipc-shareable', 'refused')]);
const podman = runResult([result('sysv-restart', 'lost (ENOENT)'), result('ipc-shareable', 'accepted', { engineNote: 'Podman allows it' })], {
  environment: { ...docker.environment, kind: 'podman', serverVersion: '4.3.1' },
});

describe('renderMatrix', () => {
  const md = renderMatrix([docker, podman], EXPERIMENTS);

  it('has a column per engine, linked to its report, and a row per experiment in the usual order', () => {
    expect(md).toContain('| Experiment | [Docker 99.0](docker-99.0.md) | [Podman 4.3.1](podman-4.3.1.md) | Engines agree? |');
    expect(md.indexOf('sysv-restart](')).toBeLessThan(md.indexOf('ipc-shareable]('));
  });

  it('shows agreement plainly and highlights a difference', () => {
    expect(md).toContain('| [sysv-restart](docker-99.0.md#sysv-restart) | ✅ as expected: lost (ENOENT) | ✅ as expected: lost (ENOENT) | yes |');
    expect(md).toContain('| **[ipc-shareable](docker-99.0.md#ipc-shareable)** | **✅ as expected: refused** | **✅ as expected: accepted †** | **no** |');
    expect(md).toContain('Engines differ in 1: `ipc-shareable` (in bold).');
  });

  it("states each engine's environment and its own expectations", () => {
    expect(md).toContain('| API version | 1.99 | 1.99 |');
    expect(md).toContain('- † Podman 4.3.1, `ipc-shareable`: Podman allows it');
  });

  it('says when engines differ in whether they can start --privileged here', () => {
    const old = { ...docker, privilege: { mode: 'equivalent' as const, reason: 'cannot (the engine said: "unable to apply caps: operation not permitted"), so ...' } };
    const newer = { ...podman, privilege: { mode: 'privileged' as const } };
    expect(renderMatrix([old, newer], EXPERIMENTS)).toContain('On this host, Podman 4.3.1 could start `--privileged` containers and Docker 99.0 could not (unable to apply caps: operation not permitted); there the privileged experiments used the nearest equivalent.');
  });
});
