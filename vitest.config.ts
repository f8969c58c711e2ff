import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    // Two cores: two workers, and a closing line in the plain "N passed, N failed" form.
    maxWorkers: 2,
    reporters: ['default', './test/summaryReporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/live/**', 'test/crash/**', 'test/package/**'] },
      },
      // Each crash test runs a CLI process hundreds of times, two at a time: one file at a time, after
      // the other projects (groupOrder), so it never competes with the live tests for the two cores.
      {
        extends: true,
        test: {
          name: 'crash',
          include: ['test/crash/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 1_800_000,
          sequence: { groupOrder: 2 },
        },
      },
      // The package as users install it (npm pack, npm install in a clean directory, Node 22 and 24):
      // after the unit tests, alone, as it installs and runs the CLI several times.
      {
        extends: true,
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        // On the real broker and registry (stack/stack.sh); one file at a time: they share the machine.
        test: {
          name: 'live',
          include: ['test/live/**/*.test.ts'],
          globalSetup: ['test/live/stack.globalSetup.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
