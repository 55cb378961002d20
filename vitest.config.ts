import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Three projects, told apart by the file name:
// - unit: every *.test.ts but the engine tests. No engine, no global setup: it passes with DOCKER_HOST pointing at
//   nothing (`npm run test:unit`). Some tests still need root (a tmpfs mount, the host's IPC sysctls), as shmlab does.
// - engine: *.engine.test.ts against the default engine (or DOCKER_HOST's), which test/global-setup.ts starts or
//   installs when none is configured or running (`npm run test:engine`).
// - engines: the engine tests that set up other engines of their own (containerd over CRI, crun and gVisor under
//   Docker, a fleet of nodes): `npm run test:engines`, after the others.
// `npm test` runs unit, then engine (never at once: both may touch the host's IPC sysctls). Engine test files run one
// at a time: each run's own concurrency is what is under test.
const ALL = ['src/**/*.test.ts', 'experiments/**/*.test.ts', 'test/**/*.test.ts'];
const ENGINE = ['src/**/*.engine.test.ts', 'experiments/**/*.engine.test.ts', 'test/**/*.engine.test.ts'];
const OTHER_ENGINES = ['test/cri.engine.test.ts', 'test/runtimes.engine.test.ts', 'test/fleet.engine.test.ts'];

export default defineConfig({
  test: {
    reporters: process.env.GITHUB_ACTIONS ? ['default', 'github-actions'] : ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ALL,
          exclude: ['**/node_modules/**', '**/dist/**', ...ENGINE],
          // Some spawn the CLI, which may compile the C programs first.
          testTimeout: 120_000,
          // At least three files at once: most of the time goes waiting on the processes the tests spawn, not on a
          // core (on 2 cores: 146 s instead of 232 s with vitest's default of one file at a time there).
          maxWorkers: Math.max(3, availableParallelism() - 1),
          sequence: { groupOrder: 0 },
        },
      },
      engineProject('engine', ENGINE, OTHER_ENGINES, 1),
      engineProject('engines', OTHER_ENGINES, [], 2),
    ],
  },
});

function engineProject(name: string, include: string[], exclude: string[], order: number) {
  return {
    extends: true as const,
    test: {
      name,
      include,
      exclude: ['**/node_modules/**', '**/dist/**', ...exclude],
      globalSetup: ['test/global-setup.ts'],
      // Engine tests start real containers; the first run may also install and start the engine.
      testTimeout: 120_000,
      hookTimeout: 900_000,
      fileParallelism: false,
      sequence: { groupOrder: order },
    },
  };
}
