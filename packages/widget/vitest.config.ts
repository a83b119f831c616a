import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Browser tests: launching Chromium and building the script can take a while on a cold machine.
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 120_000 },
});
