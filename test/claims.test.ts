// The committed reports say only what their own records show: each experiment's phrase, "what the engine did instead"
// and verdict are computed again from its steps, each refusal is checked to name its setting in the words engines
// use, and the README's generated blocks and the prose around them are checked against the same reports.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG, EXPERIMENTS } from '../experiments/index.js';
import { familyOf, setUpOf } from '../src/model/family.js';
import { ROOT } from '../src/paths.js';
import { committedRuns } from '../src/report/committed-reports.js';
import { blocksIn, renderReadmeBlocks } from '../src/report/render-readme.js';
import { reportBaseName } from '../src/report/report-name.js';
import { judge } from '../src/verdict/judge.js';

const runs = committedRuns(join(ROOT, 'reports'));
const bySlug = new Map(EXPERIMENTS.map((e) => [e.slug, e]));
const cases = runs.flatMap((run) =>
  run.experiments.filter((r) => r.verdict !== 'not applicable' && bySlug.has(r.slug)).map((r) => [reportBaseName(run.environment), r.slug, run, r] as const),
);

describe('every committed report', () => {
  it('is there: twelve engines', () => {
    expect(runs.length).toBeGreaterThanOrEqual(12);
  });

  it.each(cases)('%s %s: says what its records show', (_name, slug, run, result) => {
    const experiment = bySlug.get(slug)!;
    const steps = new Map(result.steps.map((s) => [s.id, s]));
    expect(result.observed).toBe(experiment.observe(steps));
    if (result.verdict === 'differs') expect(result.instead).toBe(experiment.whenDiffers?.(steps));
    // The verdict is the judgement of these records; only an engine failure, a crash or an interruption makes an error.
    const judged = judge(experiment, result.steps, familyOf(run.environment.kind), setUpOf(run.environment));
    if (result.verdict !== 'error') expect(result.verdict).toBe(judged.verdict);
    else expect(result.error).toBeTruthy();
    for (const step of result.steps.filter((s) => s.refused)) {
      const declared = experiment.steps.find((s) => s.id === step.id);
      expect(declared?.do === 'run' && declared.mayBeRefused?.test(step.stderr), `${step.id}: ${step.stderr}`).toBe(true);
    }
  });
});

describe('the README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = renderReadmeBlocks(runs, CATALOG);

  it.each(Object.keys(blocks))('block %s is what the reports give (node dist/scripts/render-readme.js writes it)', (name) => {
    expect(blocksIn(readme)[name]).toBe(blocks[name]);
  });

  // Prose outside the blocks, each sentence with the report result it rests on.
  const outcome = (engine: (r: (typeof runs)[number]) => boolean, slug: string) =>
    runs.filter(engine).map((r) => r.experiments.find((e) => e.slug === slug)?.verdict);
  type Run = (typeof runs)[number];
  const runc = (r: (typeof runs)[number]) => r.environment.kind !== 'cri' && (r.environment.ociRuntime?.name ?? 'runc') !== 'runsc';
  const gvisor = (r: (typeof runs)[number]) => r.environment.ociRuntime?.name === 'runsc';
  const containerd = (r: (typeof runs)[number]) => r.environment.runtimeName === 'containerd';
  const gvisor2022 = (r: Run) => gvisor(r) && r.environment.ociRuntime?.version === '20221219.0';
  const gvisor2024 = (r: Run) => gvisor(r) && r.environment.ociRuntime?.version === '20240729.0';
  it.each([
    ['sysctl-joined-namespace with runc and crun', runc, 'sysctl-joined-namespace', 'as expected'],
    ['sysctl-joined-namespace with gVisor', gvisor, 'sysctl-joined-namespace', 'differs'],
    ['pod-restart-ipc on containerd', containerd, 'pod-restart-ipc', 'as expected'],
    ['sysv-restart on containerd', containerd, 'sysv-restart', 'as expected'],
    ['mmap-restart on containerd', containerd, 'mmap-restart', 'as expected'],
    ['pod-userns with crun 1.21', (r: Run) => containerd(r) && r.environment.ociRuntime?.name === 'crun', 'pod-userns', 'as expected'],
    [
      'pod-userns with runc 1.1.5 and on containerd 1.6',
      (r: Run) => containerd(r) && r.environment.ociRuntime?.name !== 'crun',
      'pod-userns',
      'not applicable',
    ],
    ['pg-dev-shm with runc and crun', runc, 'pg-dev-shm', 'as expected'],
    ['pg-dev-shm on containerd', containerd, 'pg-dev-shm', 'as expected'],
    ['pg-dev-shm with gVisor 2022', gvisor2022, 'pg-dev-shm', 'as expected'],
    ['pg-restart with runc and crun', runc, 'pg-restart', 'as expected'],
    ['pg-restart on containerd', containerd, 'pg-restart', 'as expected'],
    ['pg-restart with gVisor 2022', gvisor2022, 'pg-restart', 'as expected'],
    ['pg-dev-shm with gVisor 2024', gvisor2024, 'pg-dev-shm', 'error'],
    ['pg-restart with gVisor 2024', gvisor2024, 'pg-restart', 'error'],
    ['pod-shm-memory-limit as root with runc and crun', (r: Run) => runc(r) && !r.environment.rootless, 'pod-shm-memory-limit', 'as expected'],
    ['pod-shm-memory-limit on containerd', containerd, 'pod-shm-memory-limit', 'as expected'],
    ['pod-shm-memory-limit rootless', (r: Run) => Boolean(r.environment.rootless), 'pod-shm-memory-limit', 'not applicable'],
    ['pod-shm-memory-limit with gVisor', gvisor, 'pod-shm-memory-limit', 'error'],
    ['ipc-host rootless', (r: Run) => Boolean(r.environment.rootless), 'ipc-host', 'as expected'],
  ] as const)('prose: %s, as its reports say', (_what, engine, slug, verdict) => {
    const verdicts = outcome(engine, slug);
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts.every((v) => v === verdict)).toBe(true);
  });

  it("prose: rootless Podman's host segment owned by uid 1001, which another host user could not remove; Docker 20.10 rootless refused", () => {
    const rootless = (kind: string) => runs.find((r) => r.environment.rootless && r.environment.kind === kind);
    const observed = (kind: string, slug: string) => rootless(kind)?.experiments.find((e) => e.slug === slug)?.observed;
    expect(observed('podman', 'ipc-host')).toMatch(/; host owner uid 1001; another host user's ipcrm: permission denied$/);
    expect(observed('docker', 'ipc-host')).toBe('--ipc=host refused by runc (the kernel refused its mount)');
    expect(rootless('docker')?.experiments.find((e) => e.slug === 'host-sysctl-not-inherited')?.verdict).toBe('not applicable');
  });

  it("prose: PostgreSQL's two /dev/shm files, left where the IPC namespace lived on and removed at its start", () => {
    const ran = runs.filter((r) => !gvisor2024(r)).map((r) => r.experiments.find((e) => e.slug === 'pg-restart')?.observed ?? '');
    expect(ran.length).toBeGreaterThan(0);
    for (const observed of ran)
      expect(observed).toMatch(
        /^postmaster killed[^:]*: old segment \(unattached\) and 2 \/dev\/shm files left, PostgreSQL removed them, recovered; [^:]+: nothing left, recovered$/,
      );
  });
});
