// runLab takes its engine as an option and leaves its host program as it found it: process.env unchanged, and
// testcontainers' process-wide client neither asked for nor changed, since other code in the process may use it.
// No real engine: stand-ins on unix sockets, with this process's DOCKER_HOST and CONTAINER_RUNTIME_ENDPOINT pointing nowhere.
import { ContainerRuntimeClient, GenericContainer, getContainerRuntimeClient, ImageName } from 'testcontainers';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IMAGES } from '../experiments/images.js';
import { EXPERIMENTS } from '../experiments/index.js';
import { EngineDriver } from '../src/docker/docker-api.js';
import { connectEngine } from '../src/docker/docker-connection.js';
import { EngineUnavailableError, ImageMissingError, UsageError } from '../src/errors.js';
import { runLab } from '../src/run/lab-runner.js';
import { type StandInAnswer, type StandInEngine, standInEngine } from './holding-proxy.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

// The export spied on: shmlab must never ask for testcontainers' process-wide client.
vi.mock('testcontainers', async (importOriginal) => {
  const real = await importOriginal<typeof import('testcontainers')>();
  return { ...real, getContainerRuntimeClient: vi.fn(real.getContainerRuntimeClient) };
});

const NOWHERE = { DOCKER_HOST: 'tcp://127.0.0.1:1', CONTAINER_RUNTIME_ENDPOINT: 'unix:///nonexistent/shmlab-env/containerd.sock' };
const original = { ...process.env };
const quick = EXPERIMENTS.find((e) => e.slug === 'sysv-restart')!;
const say = () => {};

let engine: StandInEngine | undefined;
// GenericContainer.start() takes testcontainers' process-wide client (and its reaper) whatever shmlab was given.
const genericStart = vi.spyOn(GenericContainer.prototype, 'start');

beforeAll(() => {
  // A tcp DOCKER_HOST would win over a socket path in docker-modem's defaults, were they not all overridden.
  Object.assign(process.env, NOWHERE, { SHMLAB_RUNTIME_DIR: tempDir('shmlab-leases-') });
});
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});
afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in original)) delete process.env[key];
  Object.assign(process.env, original);
  genericStart.mockRestore();
  removeTempDirs();
});

/** Runs `work` and says whether process.env was the same after it as before, variable for variable. */
async function envAfter<T>(work: () => Promise<T>): Promise<{ before: NodeJS.ProcessEnv; after: NodeJS.ProcessEnv; outcome: T | Error }> {
  const before = { ...process.env };
  const outcome = await work().catch((err: Error) => err);
  return { before, after: { ...process.env }, outcome };
}

function expectSingletonUntouched(): void {
  expect(getContainerRuntimeClient).not.toHaveBeenCalled();
  expect(genericStart).not.toHaveBeenCalled();
}

describe('the connection', () => {
  it("reaches the address it is given, with a client of shmlab's own, and leaves process.env as it was", async () => {
    engine = await standInEngine();
    const address = engine.address;
    const { before, after, outcome } = await envAfter(() => connectEngine(say, 5000, new AbortController().signal, { DOCKER_HOST: address }));
    expect(after).toEqual(before);
    expect(outcome).not.toBeInstanceOf(Error);
    const { client } = outcome as Awaited<ReturnType<typeof connectEngine>>;
    expect(client).toBeInstanceOf(ContainerRuntimeClient);
    expect(client.container.dockerode.modem).toMatchObject({ socketPath: address.slice('unix://'.length), host: undefined });
    expect(engine.requests).toEqual(['GET /_ping', 'GET /info']);
    expect(process.env.TESTCONTAINERS_RYUK_DISABLED).toBe(original.TESTCONTAINERS_RYUK_DISABLED);
    expectSingletonUntouched();
  });

  it('pulls nothing: a missing image is one sentence, and the engine is never asked to pull', async () => {
    engine = await standInEngine((req) => (/\/images\/.+\/json/.test(req.url ?? '') ? { status: 404, body: { message: 'No such image' } } : undefined));
    const { client } = await connectEngine(say, 5000, new AbortController().signal, { DOCKER_HOST: engine.address });
    const pulled = client.image.pull(ImageName.fromString('shmlab/never-built:000000000000'));
    await expect(pulled).rejects.toThrow(ImageMissingError);
    await expect(pulled).rejects.toThrow('image shmlab/never-built:000000000000 is not on the engine');
    expect(engine.requests.filter((r) => r.includes('/images/create'))).toEqual([]);
    expectSingletonUntouched();
  });
});

describe("containers, through shmlab's own client", () => {
  it('are created and started as `docker run -d --network none` does, through no GenericContainer', async () => {
    const created: unknown[] = [];
    const answer = (req: { method?: string; url?: string }, body: Buffer): StandInAnswer | undefined => {
      const path = (req.url ?? '').replace(/\?.*$/, '');
      if (/\/images\/.+\/json$/.test(path)) return { status: 200, body: { Id: 'sha256:1' } };
      if (path.endsWith('/containers/create')) {
        created.push(JSON.parse(body.toString()));
        return { status: 201, body: { Id: 'abc123' } };
      }
      if (path.endsWith('/containers/abc123/start')) return { status: 204, body: '' };
      return undefined;
    };
    engine = await standInEngine(answer);
    const signal = new AbortController().signal;
    const { client } = await connectEngine(say, 5000, signal, { DOCKER_HOST: engine.address });
    const ids: string[] = [];
    const { before, after, outcome } = await envAfter(() =>
      new EngineDriver(client, 5000, signal).run(
        { name: 'shmlab-r-app-1', image: 'sha256:1', cmd: ['sleep', '1'], labels: { run: 'r' }, ipcMode: 'shareable', hostConfig: { ShmSize: 1 } },
        (id) => ids.push(id),
      ),
    );
    expect({ outcome, ids }).toEqual({ outcome: 'abc123', ids: ['abc123'] });
    expect(after).toEqual(before);
    expect(created).toEqual([
      {
        name: 'shmlab-r-app-1',
        Image: 'sha256:1',
        Cmd: ['sleep', '1'],
        Labels: { run: 'r' },
        NetworkDisabled: true,
        HostConfig: { ShmSize: 1, IpcMode: 'shareable', NetworkMode: 'none' },
      },
    ]);
    expect(engine.requests.map((r) => r.replace(/\?.*$/, ''))).toEqual([
      'GET /_ping',
      'GET /info',
      'GET /images/sha256:1/json',
      'POST /containers/create',
      'POST /containers/abc123/start',
    ]);
    expectSingletonUntouched();
  });
});

describe('runLab with an engine option', () => {
  it('connects to the Docker API engine it names, whatever DOCKER_HOST and CONTAINER_RUNTIME_ENDPOINT say, and leaves process.env as it was', async () => {
    // Describes itself as far as /info, then fails /version: the run ends there, before any image is built.
    engine = await standInEngine((req) => ((req.url ?? '').endsWith('/version') ? { status: 500, body: { message: 'the stand-in stops here' } } : undefined));
    const address = engine.address;
    const { before, after, outcome } = await envAfter(() =>
      runLab([quick], { engine: { family: 'docker-api', address }, say, images: IMAGES, signal: new AbortController().signal, deadlineMs: 5000 }),
    );
    expect(after).toEqual(before);
    expect(outcome).toMatchObject({ statusCode: 500 });
    expect(engine.requests).toEqual(expect.arrayContaining(['GET /_ping', 'GET /info', 'GET /version']));
    expectSingletonUntouched();
  });

  it('selects a CRI runtime by the socket it names, not by CONTAINER_RUNTIME_ENDPOINT', async () => {
    const address = 'unix:///nonexistent/shmlab-option/containerd.sock';
    const { before, after, outcome } = await envAfter(() =>
      runLab([quick], { engine: { family: 'cri', address }, say, images: IMAGES, signal: new AbortController().signal, deadlineMs: 2000 }),
    );
    expect(after).toEqual(before);
    expect(outcome).toBeInstanceOf(EngineUnavailableError);
    expect((outcome as Error).message).toMatch(
      /^The CRI runtime at CONTAINER_RUNTIME_ENDPOINT=unix:\/\/\/nonexistent\/shmlab-option\/containerd\.sock does not answer/,
    );
    expectSingletonUntouched();
  });

  it('refuses an engine it cannot name before any request', async () => {
    const { outcome } = await envAfter(() => runLab([quick], { engine: { family: 'docker-api', address: '' }, say, images: IMAGES }));
    expect(outcome).toBeInstanceOf(UsageError);
  });
});
