import { defineConfig } from 'vitest/config';

// Two projects, told apart by the file name:
// - unit: every *.test.ts but *.engine.test.ts. No engine, no global setup: it passes with DOCKER_HOST pointing at
//   nothing (`npm run test:unit`). Some tests still need root (a tmpfs mount, the host's IPC sysctls), as shmlab does.
// - engine: *.engine.test.ts, against a real engine that test/global-setup.ts starts or installs when none is
//   configured or running (`npm run test:engine`). One file at a time: each run's own concurrency is what is under test.
// `npm test` runs both, unit first, then engine (never at once: both may touch the host's IPC sysctls).
const ALL = ['src/**/*.test.ts', 'experiments/**/*.test.ts', 'test/**/*.test.ts'];
const ENGINE = ['src/**/*.engine.test.ts', 'experiments/**/*.engine.test.ts', 'test/**/*.engine.test.ts'];

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
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'engine',
          include: ENGINE,
          exclude: ['**/node_modules/**', '**/dist/**'],
          globalSetup: ['test/global-setup.ts'],
          // Engine tests start real containers; the first run may also install and start the engine.
          testTimeout: 120_000,
          hookTimeout: 900_000,
          // Test files that drive the engine run one at a time: each run's own concurrency is what is under test.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
