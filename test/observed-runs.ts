// The records of real runs (test/observations/, refreshed from the committed reports), as a run of today's experiments
// would record them: Docker + runc, containerd over CRI, Docker + gVisor.
import { readFileSync } from 'node:fs';
import { EXPERIMENTS } from '../experiments/index.js';
import type { RunResult } from '../src/model/result.js';
import { replay } from './replay.js';

const load = (name: string): RunResult => JSON.parse(readFileSync(new URL(`./observations/${name}.json`, import.meta.url), 'utf8'));
export const RUNC = load('docker-20.10');
const CONTAINERD_RECORDED = load('containerd-1.6');
// As a run of today's experiments records it (steps skipped on CRI, steps dropped).
export const CONTAINERD: RunResult = {
  ...CONTAINERD_RECORDED,
  experiments: CONTAINERD_RECORDED.experiments.map((r) => {
    const experiment = EXPERIMENTS.find((e) => e.slug === r.slug);
    return experiment ? { ...r, steps: replay(experiment, r.steps, 'cri') } : r;
  }),
};
export const GVISOR = load('docker-20.10-runsc-2022');
