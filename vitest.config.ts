import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Two cores: two workers, and a closing line in the plain "N passed, N failed" form.
    maxWorkers: 2,
    reporters: ['default', './test/summaryReporter.ts'],
  },
});
