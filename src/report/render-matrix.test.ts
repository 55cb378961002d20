import { describe, expect, it } from 'vitest';
import { EXPERIMENTS } from '../../experiments/index.js';
import { record, runResult } from '../../test/records.js';
import type { ExperimentResult, RunResult } from '../model/result.js';
import { renderMatrix } from './render-matrix.js';
import { columnTitle, reportBaseName } from './report-name.js';

const result = (slug: string, observed: string, extra: Partial<ExperimentResult> = {}): ExperimentResult => ({
  slug,
  verdict: 'as expected',
  observed,
  differences: [],
  steps: [record('x')],
  durationMs: 1,
  grants: [],
  ...extra,
});

const docker = runResult([result('sysv-restart', 'lost (ENOENT)'), result('ipc-shareable', 'refused')]);
const podman = runResult([result('sysv-restart', 'lost (ENOENT)'), result('ipc-shareable', 'accepted', { engineNote: 'Podman allows it' })], {
  environment: { ...docker.environment, kind: 'podman', serverVersion: '4.3.1' },
});

/** The grid's row for an experiment, split into its cells. */
function row(md: string, slug: string): string[] {
  const line = md.split('\n').find((l) => l.startsWith(`| [${slug}]`) || l.startsWith(`| **[${slug}]`));
  if (!line) throw new Error(`no row for ${slug}`);
  return line.slice(2, -2).split(' | ');
}

describe('renderMatrix', () => {
  const md = renderMatrix([docker, podman], EXPERIMENTS);

  it('has a column per engine, linked to its report, and a row per experiment in the usual order, with nothing after the engines', () => {
    expect(md).toContain('| Experiment | [Docker 99.0](docker-99.0.md) | [Podman 4.3.1](podman-4.3.1.md) |\n');
    expect(md).not.toContain('agree?');
    expect(md.indexOf('sysv-restart](')).toBeLessThan(md.indexOf('ipc-shareable]('));
  });

  it("shows only signs where all engines did the same, each linked to that engine's section", () => {
    expect(row(md, 'sysv-restart')).toEqual([
      '[sysv-restart](docker-99.0.md#sysv-restart)',
      '[✅](docker-99.0.md#sysv-restart)',
      '[✅](podman-4.3.1.md#sysv-restart)',
    ]);
    expect(md).not.toContain('lost (ENOENT)');
  });

  it('where engines differ, marks the row and says once what each engine did', () => {
    expect(row(md, 'ipc-shareable')).toEqual([
      '**[ipc-shareable](#ipc-shareable)**',
      '[✅](docker-99.0.md#ipc-shareable) a',
      '[✅](podman-4.3.1.md#ipc-shareable) b †',
    ]);
    expect(md).toContain(
      'Engines did different things in 1 of the 2 experiments (in bold), counting only the engines each applies to and that answered (an error, ⚠️, is no answer).',
    );
    expect(md).toContain(
      [
        '### Where engines differ',
        '',
        '- <a name="ipc-shareable"></a>**ipc-shareable**',
        '  - **a** ✅ refused: [Docker 99.0](docker-99.0.md#ipc-shareable)',
        '  - **b** ✅ accepted: [Podman 4.3.1](podman-4.3.1.md#ipc-shareable)',
      ].join('\n'),
    );
  });

  it('gives engines that did the same the same letter, and none to an engine where the experiment does not apply', () => {
    const third = runResult([result('sysv-restart', 'lost (ENOENT)'), result('ipc-shareable', 'refused')], {
      environment: { ...docker.environment, serverVersion: '100.0' },
    });
    const cri = runResult([result('sysv-restart', 'x', { verdict: 'not applicable', engineNote: 'no such thing' })], {
      environment: { ...docker.environment, kind: 'cri', runtimeName: 'containerd', serverVersion: '2.1' },
    });
    const out = renderMatrix([docker, podman, third, cri], EXPERIMENTS);
    expect(row(out, 'ipc-shareable').slice(1)).toEqual([
      '[✅](docker-99.0.md#ipc-shareable) a',
      '[✅](podman-4.3.1.md#ipc-shareable) b †',
      '[✅](docker-100.0.md#ipc-shareable) a',
      '—',
    ]);
    expect(out).toContain('  - **a** ✅ refused: [Docker 99.0](docker-99.0.md#ipc-shareable), [Docker 100.0](docker-100.0.md#ipc-shareable)');
    expect(out).toContain('  - — not run: containerd 2.1 (CRI)');
    // The engines sysv-restart applies to all did the same: an engine it does not apply to is no difference (the
    // defect: every row was bold because one side was not applicable).
    expect(row(out, 'sysv-restart').slice(1)).toEqual([
      '[✅](docker-99.0.md#sysv-restart)',
      '[✅](podman-4.3.1.md#sysv-restart)',
      '[✅](docker-100.0.md#sysv-restart)',
      '[➖](containerd-2.1.md#sysv-restart) †',
    ]);
    expect(out).not.toContain('**[sysv-restart]');
    expect(out).toContain(
      'Engines did different things in 1 of the 2 experiments (in bold), counting only the engines each applies to and that answered (an error, ⚠️, is no answer).',
    );
  });

  it("says whose operations the words follow: the engine's alone, or shmlab's in the kubelet's place on a CRI column", () => {
    const cri = runResult([result('sysv-restart', 'kept')], {
      environment: { ...docker.environment, kind: 'cri', runtimeName: 'containerd', serverVersion: '2.1' },
    });
    expect(md).toContain('The words beside it (`kept`, `lost`, `EINVAL`…) are what the engine did.');
    expect(md).not.toContain("kubelet's place");
    const mixed = renderMatrix([docker, cri], EXPERIMENTS);
    expect(mixed).toContain("on a CRI runtime after the operations shmlab made over CRI in the kubelet's place");
    expect(mixed).not.toContain('are what the engine did');
    expect(mixed).toContain('† marks an engine whose family or set-up has an expectation of its own');
  });

  it("says which engines' verdicts decide the exit code, where that is known", () => {
    const gates = (run: RunResult) => run.environment.kind !== 'podman';
    expect(renderMatrix([docker, podman], EXPERIMENTS, { gates })).toContain(
      "The verdicts of Podman 4.3.1 do not decide the matrix's exit code (`gate: false` in the engines file: compared, but counted only when their run fails outright); every other engine's do.",
    );
    expect(renderMatrix([docker, podman], EXPERIMENTS)).not.toContain('exit code');
  });

  it("states each engine's environment: what differs in a table, what all share once, and their own expectations", () => {
    expect(md).toContain('## Engines\n\n| Engine |\n|---|\n| [Docker 99.0](docker-99.0.md) |\n| [Podman 4.3.1](podman-4.3.1.md) |\n');
    expect(md).toContain(
      'The same on every engine: API version 1.99; runtime runc 1.0; storage driver overlay2; cgroup version 2; host kernel 6.0; operating system Test OS; privileged experiments not needed; verdicts ✅\u00a02; run 2026-01-01 00:00 UTC.',
    );
    expect(md).toContain('- † `ipc-shareable` on Podman 4.3.1: Podman allows it');
  });

  it('says an own expectation once for all the engines and experiments that share it', () => {
    const na = (slug: string) => result(slug, 'no pods', { verdict: 'not applicable', engineNote: 'no pods' });
    const a = runResult([na('pod-dev-shm'), na('pod-sysctl')]);
    const b = runResult([na('pod-dev-shm'), na('pod-sysctl')], { environment: { ...docker.environment, serverVersion: '100.0' } });
    const out = renderMatrix([a, b], EXPERIMENTS);
    expect(out).toContain('- † `pod-dev-shm`, `pod-sysctl` on Docker 99.0, Docker 100.0: no pods');
    expect(out.match(/no pods/g)).toHaveLength(1);
  });

  it('tells apart engines that differ only by their runtime, in the titles and the links', () => {
    const gvisor: RunResult = runResult([result('sysv-restart', 'kept'), result('ipc-shareable', 'refused')], {
      environment: {
        ...docker.environment,
        serverVersion: '20.10.24+dfsg1',
        runtime: 'runsc',
        ociRuntime: { name: 'runsc', version: '20221219', args: ['--network=none'] },
        containerKernel: '4.4.0',
      },
    });
    const runc: RunResult = {
      ...gvisor,
      experiments: docker.experiments,
      environment: { ...gvisor.environment, runtime: 'runc', ociRuntime: { name: 'runc', version: '1.1.5' }, containerKernel: '6.0' },
    };
    expect(columnTitle(gvisor.environment)).toBe('Docker 20.10.24+dfsg1 · runsc 20221219');
    expect(columnTitle(runc.environment)).toBe('Docker 20.10.24+dfsg1');
    const out = renderMatrix([runc, gvisor], EXPERIMENTS);
    expect(out).toContain(
      `| Experiment | [Docker 20.10.24<wbr>+dfsg1](${reportBaseName(runc.environment)}.md) | [Docker 20.10.24<wbr>+dfsg1 · runsc 20221219](${reportBaseName(gvisor.environment)}.md) |`,
    );
    expect(out).toContain(
      `| [Docker 20.10.24+dfsg1 · runsc 20221219](${reportBaseName(gvisor.environment)}.md) | runsc 20221219 (arguments: \`--network=none\`) | 4.4.0 (**not the host's**) |`,
    );
    expect(row(out, 'sysv-restart')[2]).toBe(`[✅](${reportBaseName(gvisor.environment)}.md#sysv-restart) b`);
    expect(out).toContain(`  - **b** ✅ kept: [Docker 20.10.24+dfsg1 · runsc 20221219](${reportBaseName(gvisor.environment)}.md#sysv-restart)`);
  });

  it('says nothing of agreement for one engine', () => {
    expect(renderMatrix([docker], EXPERIMENTS)).toContain('\n**1 engine × 2 experiments.**\n');
  });

  it('sets the titles small when bold ones would make the grid wider than the page', () => {
    const many = Array.from({ length: 8 }, (_, i) =>
      runResult([result('sysv-restart', 'kept')], { environment: { ...docker.environment, serverVersion: `${i + 1}.0` } }),
    );
    expect(renderMatrix(many, EXPERIMENTS)).toContain('| Experiment | [<sub>Docker 1.0</sub>](docker-1.0.md) |');
    expect(renderMatrix(many.slice(0, 7), EXPERIMENTS)).toContain('| Experiment | [Docker 1.0](docker-1.0.md) |');
  });

  it('says in a folded section when engines differ in whether they can start --privileged, with the refusal', () => {
    const old = {
      ...docker,
      privilege: { mode: 'equivalent' as const, reason: 'cannot (the engine said: "unable to apply caps: operation not permitted"), so ...' },
    };
    const newer = { ...podman, privilege: { mode: 'privileged' as const } };
    const out = renderMatrix([old, newer], EXPERIMENTS);
    expect(out).toContain(
      [
        '<details><summary>1 of 2 engines could not start <code>--privileged</code> containers where they ran; there the privileged experiments used the nearest equivalent</summary>',
        '',
        'Podman 4.3.1 could start them. What the others answered:',
        '',
        '- Docker 99.0: "unable to apply caps: operation not permitted"',
        '',
        '</details>',
      ].join('\n'),
    );
    // Not in the headline: its paragraph is the findings only.
    expect(out.split('\n\n')[1]).not.toContain('privileged');
    expect(out).not.toContain('this host');
  });
});

describe('renderMatrix with briefs', () => {
  const briefed = (verdict: ExperimentResult['verdict'], brief: string, observed: string, extra: Partial<ExperimentResult> = {}) =>
    result('sysv-restart', observed, { verdict, brief, ...extra });
  const engines = (...results: ExperimentResult[]) =>
    results.map((r, i) => runResult([r], { environment: { ...docker.environment, serverVersion: `${i + 1}.0` } }));

  it('writes the brief in every cell, bold only where the verdict or the brief differs', () => {
    const same = renderMatrix(engines(briefed('as expected', 'lost', 'lost (ENOENT)'), briefed('as expected', 'lost', 'lost (ENOENT)')), EXPERIMENTS);
    expect(row(same, 'sysv-restart')).toEqual([
      '[sysv-restart](docker-1.0.md#sysv-restart)',
      '[✅](docker-1.0.md#sysv-restart) lost',
      '[✅](docker-2.0.md#sysv-restart) lost',
    ]);
    expect(same).not.toContain('### Where engines differ');
    const apart = renderMatrix(engines(briefed('as expected', 'lost', 'lost (ENOENT)'), briefed('differs', 'kept', 'kept')), EXPERIMENTS);
    expect(row(apart, 'sysv-restart')).toEqual([
      '**[sysv-restart](#sysv-restart)**',
      '[✅](docker-1.0.md#sysv-restart) lost',
      '[❌](docker-2.0.md#sysv-restart) kept',
    ]);
    expect(apart).toContain('  - ✅ lost (ENOENT): [Docker 1.0](docker-1.0.md#sysv-restart)\n  - ❌ kept: [Docker 2.0](docker-2.0.md#sysv-restart)');
  });

  it('keeps a row plain where only the full phrases differ, and gives those phrases below the grid', () => {
    const out = renderMatrix(
      engines(briefed('as expected', 'applied', 'applied; refused by runc'), briefed('as expected', 'applied', 'applied; refused by crun')),
      EXPERIMENTS,
    );
    expect(row(out, 'sysv-restart')).toEqual([
      '[sysv-restart](#sysv-restart)',
      '[✅](docker-1.0.md#sysv-restart) applied',
      '[✅](docker-2.0.md#sysv-restart) applied',
    ]);
    expect(out).toContain('Where an experiment applies to more than one engine, they all did the same.');
    expect(out).toContain('  - ✅ applied; refused by runc: [Docker 1.0](docker-1.0.md#sysv-restart)');
  });

  it('does not count an error as a different answer: the row stays plain, its ⚠️ in the cell', () => {
    const out = renderMatrix(engines(briefed('as expected', 'kept', 'kept'), briefed('error', 'not run', 'write engine error')), EXPERIMENTS);
    expect(row(out, 'sysv-restart')[0]).toBe('[sysv-restart](#sysv-restart)');
    expect(row(out, 'sysv-restart')[2]).toBe('[⚠️](docker-2.0.md#sysv-restart) not\u00a0run');
  });

  it('uses the same word for the same verdict and brief, and no word where the experiment does not apply', () => {
    const out = renderMatrix(
      engines(
        briefed('as expected', 'kept', 'kept'),
        briefed('error', 'engine error', 'write engine error'),
        briefed('not applicable', 'n/a', 'x', { engineNote: 'no such thing' }),
      ),
      EXPERIMENTS,
    );
    expect(row(out, 'sysv-restart').slice(1)).toEqual([
      '[✅](docker-1.0.md#sysv-restart) kept',
      '[⚠️](docker-2.0.md#sysv-restart) engine\u00a0error',
      '[➖](docker-3.0.md#sysv-restart) †',
    ]);
  });

  it('shows the survival picture above the grid when it is given', () => {
    const out = renderMatrix(engines(briefed('as expected', 'lost', 'lost (ENOENT)')), EXPERIMENTS, { survivalPicture: 'survival.svg' });
    expect(out.indexOf('](survival.svg)')).toBeGreaterThan(0);
    expect(out.indexOf('](survival.svg)')).toBeLessThan(out.indexOf('| Experiment |'));
  });
});
