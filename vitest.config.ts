import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'experiments/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Engine tests start real containers; the first run may also install and start the engine.
    testTimeout: 120_000,
    hookTimeout: 900_000,
    // Test files that drive the engine run one at a time: each run's own concurrency is what is under test.
    fileParallelism: false,
    reporters: ['default'],
  },
});
