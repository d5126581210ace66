import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests start real brokers, ffmpeg and Chromium: two cores, so keep files from starving each other.
    maxWorkers: 2,
  },
});
