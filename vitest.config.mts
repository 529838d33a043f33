import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Each test file runs in its own process: the local Functions host captures the app's
// registrations in process-wide state (as the real Node worker does), so files must not share it.
//
// Workers: vitest's default (cores − 1) runs one file at a time on a 2-core machine, yet an
// integration file spends most of its wall time waiting on Azurite and the ARM emulator, which
// run in their own processes (user CPU is about a third of wall time). One worker more than there
// are cores overlaps those waits. LIFEBOAT_TEST_WORKERS overrides it.
const workers = Number(process.env['LIFEBOAT_TEST_WORKERS'] ?? availableParallelism() + 1);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    isolate: true,
    maxWorkers: Number.isInteger(workers) && workers > 0 ? workers : 1,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
  },
});
