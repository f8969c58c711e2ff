import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    // Two cores: two workers, and a closing line in the plain "N passed, N failed" form.
    maxWorkers: 2,
    reporters: ['default', './test/summaryReporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/live/**'] } },
      {
        extends: true,
        // On the real broker and registry (stack/stack.sh); one file at a time: they share the machine.
        test: { name: 'live', include: ['test/live/**/*.test.ts'], globalSetup: ['test/live/stack.globalSetup.ts'], fileParallelism: false, testTimeout: 300_000, hookTimeout: 120_000 },
      },
    ],
  },
});
