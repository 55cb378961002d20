// Cleanup on every path out of an experiment, against the engine: a run that differs, and a step the engine refuses.
import { describe, expect, it } from 'vitest';
import { IMAGES } from '../experiments/images.js';
import type { Experiment } from '../src/model/experiment.js';
import { ALPHABET, BLOG_KEY } from '../src/model/experiment-kit.js';
import { runLab } from '../src/run/lab-runner.js';
import { engineDriver, engineState, leftovers, NOTHING_LEFT } from './engine-state.js';

const base = { section: 'C', source: 'test', blogSaw: '', expectedToday: '', explanation: '', observe: () => '' } as const;

// Expects what no engine does (the segment kept after a restart), with a volume and a host key to clean up.
const wrongExpectation: Experiment = {
  ...base,
  slug: 'test-differs',
  title: 'expects a System V segment to survive a restart',
  containers: { app: { volumes: [{ volume: 'data', target: '/data' }] }, host: { ipc: 'host' } },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'run-host', do: 'run', container: 'host' },
    { id: 'host-write', do: 'exec', container: 'host', cmd: ['sysv-write', '--key', '{hostKey}'] },
    { id: 'write', do: 'exec', container: 'app', cmd: ['sysv-write', '--key', BLOG_KEY] },
    { id: 'stop', do: 'stop', container: 'app' },
    { id: 'start', do: 'start', container: 'app' },
    { id: 'read', do: 'exec', container: 'app', cmd: ['sysv-read', '--key', BLOG_KEY] },
  ],
  expect: [{ step: 'read', means: 'kept (which it is not)', exitCode: 0, stdout: ALPHABET }],
};

// Executes in a container that was killed: the engine refuses, the experiment stops there.
const stepThrows: Experiment = {
  ...base,
  slug: 'test-throws',
  title: 'exec in a killed container',
  containers: { app: {}, other: {} },
  steps: [
    { id: 'run', do: 'run', container: 'app' },
    { id: 'run-other', do: 'run', container: 'other' },
    { id: 'kill', do: 'kill', container: 'app' },
    { id: 'exec', do: 'exec', container: 'app', cmd: ['sysv-read', '--key', BLOG_KEY] },
    { id: 'never', do: 'exec', container: 'other', cmd: ['sysv-read', '--key', BLOG_KEY] },
  ],
  expect: [{ step: 'never', means: 'never reached', exitCode: 0 }],
};

describe('no image is ever pulled', () => {
  it('a container whose image is not on the engine fails with one sentence, and nothing is pulled', async () => {
    const { driver } = await engineDriver();
    const name = 'shmlab/never-built:000000000000';
    await expect(driver.run({ name: `shmlab-test-never-${process.pid}`, image: name, labels: {}, hostConfig: {} }, () => {})).rejects.toThrow(
      `image ${name} is not on the engine (removed while in use?); shmlab never pulls an image, so this step cannot run`,
    );
    await expect(driver.dockerode.getImage(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('cleanup on every path', () => {
  it('removes everything after an experiment that differs, and says what differed', async () => {
    const before = await engineState();
    const run = await runLab([wrongExpectation], { say: () => {}, images: IMAGES });
    expect(run.experiments[0]).toMatchObject({
      verdict: 'differs',
      differences: expect.arrayContaining([expect.objectContaining({ step: 'read', detail: expect.stringMatching(/^exit code: expected 0, got 10/) })]),
    });
    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
  });

  it('removes everything after a step the engine refuses, and reports an error with its words', async () => {
    const before = await engineState();
    const run = await runLab([stepThrows], { say: () => {}, images: IMAGES });
    const result = run.experiments[0]!;
    expect(result.verdict).toBe('error');
    expect(result.error).toMatch(/^exec \(docker exec app sysv-read --key 5678\): .*is not running/);
    expect(result.steps.map((s) => s.id)).toEqual(['run', 'run-other', 'kill', 'exec']);
    expect(leftovers(before, await engineState())).toEqual(NOTHING_LEFT);
  });
});
