import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration tests spawn gateways; two cores cannot take many at once.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
