// What a run asked of the engine and what that cost it, for `npm run bench`: the engine calls a report's records stand
// for (steps one exec ran count as that one exec), and the machine's busy CPU time over the run from /proc/stat.
import { readFileSync } from 'node:fs';
import type { RunResult } from '../src/model/result.js';

/** Engine calls by kind; `exec` counts execs, and `execSteps` the exec steps they ran. */
export function engineCalls(run: RunResult): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const e of run.experiments) {
    let shared: string | undefined;
    for (const s of e.steps) {
      // Not asked of the engine: a step not taken here, shmlab's own cleanup on the host, a refusal of admission.
      if (s.skipped || s.action === 'cleanup' || s.admission) continue;
      if (s.action === 'exec') calls.execSteps = (calls.execSteps ?? 0) + 1;
      const sameExec = s.sharedExec !== undefined && s.sharedExec === shared;
      shared = s.sharedExec;
      if (!sameExec) calls[s.action] = (calls[s.action] ?? 0) + 1;
    }
  }
  return calls;
}

/** The machine's CPU time spent busy (not idle, not waiting for I/O) since boot, in milliseconds of one core. */
export function busyCpuMs(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user): jiffies of 1/100 s (USER_HZ).
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 10;
}
