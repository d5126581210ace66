import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    // The pages (console, kiosk, displays, live view) are built once before the files run (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    // Limits, not assertions: face models load and Chromium starts slowly while the other worker is busy.
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Tests start real brokers, ffmpeg and Chromium: two cores, so keep files from starving each other.
    maxWorkers: 2,
  },
});
