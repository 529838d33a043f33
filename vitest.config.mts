import { defineConfig } from 'vitest/config';

// Each test file runs in its own process: the local Functions host captures the app's
// registrations in process-wide state (as the real Node worker does), so files must not share it.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    isolate: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
  },
});
