// runLab on the engine named by its `engine` option alone: this process's DOCKER_HOST and CONTAINER_RUNTIME_ENDPOINT
// point nowhere while it runs, and are as they were after it; testcontainers' process-wide client is never used.
import { GenericContainer } from 'testcontainers';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CATALOG, EXPERIMENTS } from '../experiments/index.js';
import { resolveEngineAddress } from '../src/docker/docker-address.js';
import { type LabOptions, runLab } from '../src/run/lab-runner.js';

// The engine the tests run against (test/global-setup.ts made sure it answers), named before the variables change.
const ENGINE: NonNullable<LabOptions['engine']> =
  process.env.CONTAINER_RUNTIME_ENDPOINT !== undefined
    ? { family: 'cri', address: process.env.CONTAINER_RUNTIME_ENDPOINT }
    : { family: 'docker-api', address: resolveEngineAddress(process.env).uri };
const NOWHERE = { DOCKER_HOST: 'tcp://127.0.0.1:1', CONTAINER_RUNTIME_ENDPOINT: 'unix:///nonexistent/shmlab-env/containerd.sock' };
const original = { DOCKER_HOST: process.env.DOCKER_HOST, CONTAINER_RUNTIME_ENDPOINT: process.env.CONTAINER_RUNTIME_ENDPOINT };

const genericStart = vi.spyOn(GenericContainer.prototype, 'start');
afterAll(() => {
  for (const [key, value] of Object.entries(original)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  genericStart.mockRestore();
});

describe('runLab with an engine option', () => {
  it('runs sysv-restart on that engine while the variables point nowhere, and leaves process.env as it was', async () => {
    Object.assign(process.env, NOWHERE);
    const before = { ...process.env };
    const run = await runLab([EXPERIMENTS.find((e) => e.slug === 'sysv-restart')!], {
      engine: ENGINE,
      say: (line) => console.log(`shmlab: ${line}`),
      images: CATALOG.images,
    });
    expect({ ...process.env }).toEqual(before);
    expect(run.environment.address).toBe(ENGINE.address);
    const result = run.experiments[0]!;
    expect({ slug: result.slug, error: result.error }).toEqual({ slug: 'sysv-restart', error: undefined });
    expect(result.verdict, `${result.observed}`).not.toBe('error');
    expect(run.leftovers).toBeUndefined();
    expect(genericStart).not.toHaveBeenCalled();
  });
});
