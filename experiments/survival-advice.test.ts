// The survival advice follows what each run observed: the usual advice where the engine did what it describes,
// gVisor's own outcomes where it did not, and nothing of survival where no read ran.
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../src/model/result.js';
import { survivalCells } from '../src/report/render-markdown.js';
import { adviceFor, type SurvivalOutcomes } from '../src/report/survival-advice.js';
import { CONTAINERD, GVISOR, RUNC } from '../test/observed-runs.js';
import { EXPERIMENTS } from './index.js';
import { MEMORY_KINDS, ON_KUBERNETES, SURVIVAL } from './survival.js';

/** The survival table's cells as the report renders them (src/report/render-markdown.ts: survivalCells). */
function cells(run: RunResult): SurvivalOutcomes {
  return Object.fromEntries([...survivalCells(run, new Map(EXPERIMENTS.map((e) => [e.slug, e])))].map(([key, c]) => [key, c.text]));
}

describe('survival advice', () => {
  const kinds = (outcomes: SurvivalOutcomes) =>
    (Object.keys(MEMORY_KINDS) as (keyof typeof MEMORY_KINDS)[]).filter((k) => Object.keys(outcomes).some((key) => key.startsWith(`${k}/`)));

  it.each([
    ['Docker + runc', RUNC, false],
    ['containerd', CONTAINERD, true],
  ] as const)('is the usual advice where %s did what it describes', (_name, run, kube) => {
    const outcomes = cells(run);
    expect(kinds(outcomes).length).toBeGreaterThan(8);
    for (const k of kinds(outcomes))
      expect(adviceFor(k, outcomes, SURVIVAL, kube ? 'cri' : 'docker-api'), k).toBe(
        (kube ? ON_KUBERNETES.kinds[k] : undefined)?.advice ?? MEMORY_KINDS[k].advice,
      );
  });

  it("follows gVisor's outcomes: no `--ipc=host` or holder where they lost their data, no ENOSYS queue called kept", () => {
    const outcomes = cells(GVISOR);
    expect(adviceFor('sysv-host', outcomes, SURVIVAL, 'docker-api')).toBe(
      "in this run lost at stop + start, kill (SIGKILL) + start and remove + new container. A segment made with `--ipc=host` did not outlive the container here, as one in the host's IPC namespace would: this engine's `--ipc=host` is not the host's IPC namespace. To keep it across stop + start, kill (SIGKILL) + start and remove + new container, keep the data in a file on a named volume (seen to keep its data only at stop + start and remove + new container in this run).",
    );
    expect(adviceFor('sysv-private', outcomes, SURVIVAL, 'docker-api')).toBe(
      "in this run kept across pause + unpause; lost at stop + start, kill (SIGKILL) + start, remove + new container and commit + new container. It lives only as long as the container's processes. To keep it across stop + start, kill (SIGKILL) + start and remove + new container, keep the data in a file on a named volume (seen to keep its data only at stop + start and remove + new container in this run). In this run `--ipc=host` and `--ipc=container:<holder>` lost their data too, so they are no way to keep it here.",
    );
    expect(adviceFor('sysv-holder', outcomes, SURVIVAL, 'docker-api')).toMatch(
      /^in this run lost at stop \+ start\. The running holder's IPC namespace did not keep the app's data/,
    );
    expect(adviceFor('posix-mq', outcomes, SURVIVAL, 'docker-api')).toMatch(
      /^in this run stop \+ start: write failed \(ENOSYS\); pause \+ unpause: write failed \(ENOSYS\)\. .*answered a call this kind of memory needs with ENOSYS/,
    );
    for (const k of ['sysv-host', 'sysv-holder', 'sysv-private'] as const)
      expect(adviceFor(k, outcomes, SURVIVAL, 'docker-api')).not.toMatch(/survives restarts|hold it in another IPC namespace/);
    // Where gVisor did what the usual advice says, the usual advice stands.
    expect(adviceFor('mmap-layer', outcomes, SURVIVAL, 'docker-api')).toBe(MEMORY_KINDS['mmap-layer'].advice);
  });

  it('says nothing of survival where every read failed or did not run', () => {
    const outcomes = Object.fromEntries(Object.keys(cells(RUNC)).map((key, i) => [key, i % 2 ? 'engine error' : 'not run']));
    for (const k of kinds(outcomes)) {
      const advice = adviceFor(k, outcomes, SURVIVAL, 'docker-api');
      expect(advice, k).toMatch(/^in this run /);
      expect(advice, k).not.toMatch(/\b(kept|lost|survives|outlives)\b/);
    }
  });

  it('says which operations keep it and which lose it where a run is mixed', () => {
    const advice = adviceFor('mmap-volume', { 'mmap-volume/restart': 'kept', 'mmap-volume/recreate': 'lost (ENOENT)' }, SURVIVAL, 'docker-api');
    expect(advice).toBe(
      "in this run kept across stop + start; lost at remove + new container. This engine's volume did not keep its files: data that must last needs other storage.",
    );
  });
});
