// The records of real runs (test/observations/, refreshed from the committed reports), as a run of today's experiments
// would record them: Docker + runc, containerd over CRI (with runc, and with crun), Docker + gVisor.
import { readFileSync } from 'node:fs';
import { EXPERIMENTS } from '../experiments/index.js';
import type { RunResult } from '../src/model/result.js';
import { replay } from './replay.js';

const load = (name: string): RunResult => JSON.parse(readFileSync(new URL(`./observations/${name}.json`, import.meta.url), 'utf8'));
export const RUNC = load('docker-20.10');
// As a run of today's experiments records it (steps skipped on CRI, steps dropped).
const asToday = (recorded: RunResult): RunResult => ({
  ...recorded,
  experiments: recorded.experiments.map((r) => {
    const experiment = EXPERIMENTS.find((e) => e.slug === r.slug);
    return experiment ? { ...r, steps: replay(experiment, r.steps, 'cri') } : r;
  }),
});
export const CONTAINERD = asToday(load('containerd-1.6'));
/** containerd 2.1 + crun 1.21: user-namespaced pods, which containerd 1.6 does not run. */
export const CRUN = asToday(load('containerd-2.1-crun'));
export const GVISOR = load('docker-20.10-runsc-2022');
