// The harness must be able to fail: each experiment is judged on the observations of a real run (test/observations/),
// then on the same observations altered as an engine that behaved otherwise would show them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALPHABET } from '../src/model/experiment-kit.js';
import type { StepRecord } from '../src/model/experiment.js';
import type { RunResult } from '../src/model/result.js';
import { judge } from '../src/verdict/judge.js';
import { EXPERIMENTS } from './index.js';

const observed: RunResult = JSON.parse(readFileSync(new URL('../test/observations/docker-20.10.json', import.meta.url), 'utf8'));

const gone = (call: string): Partial<StepRecord> => ({ exitCode: 10, stdout: '', stderr: `x: ${call}: ENOENT (No such file or directory)\n` });
const kept: Partial<StepRecord> = { exitCode: 0, stdout: ALPHABET, stderr: '' };

/** What an engine that behaved otherwise would have shown, per experiment: the story and the altered steps. */
export const OTHERWISE: Record<string, { story: string; steps: Record<string, Partial<StepRecord>> }> = {
  'sysv-restart': { story: 'the segment is still there after the restart', steps: { 'read-after': kept } },
  'mmap-restart': { story: 'the file is gone after the restart', steps: { 'read-after': gone('open') } },
  'shmget-einval': { story: 'the 64 MiB segment is created despite the limit', steps: { 'too-big': { exitCode: 0, stderr: '' } } },
  'procsys-readonly': { story: '/proc/sys is writable and the value changes', steps: { echo: { exitCode: 0, stderr: '' }, live: { stdout: '68719476736\n' } } },
  'privileged-not-persisted': { story: 'the value survives the restart', steps: { 'after-restart': { stdout: '68719476736\n' } } },
  'startup-script': { story: 'the unprivileged container fails to start, as the blog said', steps: { 'plain-started': { state: 'exited', exitCode: 255 } } },
  'init-hook': { story: 'the unprivileged hook succeeds and the container keeps running', steps: { 'plain-outcome': { state: 'running', exitCode: null, stderr: '' } } },
  'sysctl-flag': { story: 'the engine accepts kernel.sysrq', steps: { 'run-sysrq': { engineFailed: false, exitCode: 0, stderr: '' } } },
  'ipc-host': { story: "the host's segment is gone after the restart", steps: { 'read-after-restart': gone('shmget') } },
  'ipc-shareable': { story: 'the segment survives the holder restart', steps: { 'read-after-holder-restart': kept } },
  'posix-shm-restart': { story: '/dev/shm keeps the object across the restart', steps: { 'read-after': kept } },
  'mmap-recreate': { story: 'the volume file is gone after re-creation', steps: { 'volume-after-recreate': gone('open') } },
  'pause-unpause': { story: 'pausing destroys the segment', steps: { 'sysv-after': gone('shmget') } },
  'kill-restart': { story: 'the unsynced file data is lost to the kill', steps: { 'file-after': { exitCode: 0, stdout: '. . . . . . . . . . . . . . . . . . . . . . . . . .\n' } } },
  'commit-image': { story: 'the System V segment travels with the image', steps: { 'sysv-in-copy': kept } },
};

describe.each(EXPERIMENTS.map((e) => [e.slug, e] as const))('%s', (slug, experiment) => {
  const result = observed.experiments.find((r) => r.slug === slug);

  it('has observations of a real run to judge', () => {
    expect(result, `no observations of ${slug} in test/observations/: refresh them from a report`).toBeDefined();
  });

  it('is judged "as expected" on what the engine did', () => {
    expect(judge(experiment, result!.steps, observed.environment.kind).verdict).toBe('as expected');
  });

  it(`is judged "differs" when ${OTHERWISE[slug]?.story ?? '(no counterfactual declared)'}`, () => {
    const otherwise = OTHERWISE[slug];
    expect(otherwise, `declare how an engine could behave otherwise for ${slug}`).toBeDefined();
    const altered = result!.steps.map((s) => ({ ...s, ...otherwise!.steps[s.id] }));
    expect(judge(experiment, altered, observed.environment.kind).verdict).toBe('differs');
  });
});
