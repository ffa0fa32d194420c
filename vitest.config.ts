import { defineConfig } from 'vitest/config';
import LongFilesFirst from './test/helpers/long-files-first.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two files at a time (the default on 2 cores is one): much of the suite waits on timers,
    // retries, child processes and browsers, and every file has its own databases and ports.
    maxWorkers: 2,
    sequence: { sequencer: LongFilesFirst },
    reporters: ['default', './test/summary-reporter.ts'],
    // `.only` left in a test file fails the run instead of silently skipping the rest.
    allowOnly: false,
  },
});
