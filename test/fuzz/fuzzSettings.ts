import type { Parameters } from 'fast-check';

/**
 * Settings every fuzz property shares: a fixed seed, so a run of the suite is repeatable, and at
 * least 100,000 generated inputs per target. `npm run fuzz` raises the count (FUZZ_RUNS) and may
 * choose another seed (FUZZ_SEED); a failure prints the seed and path that reproduce it.
 */
export function fuzzSettings<T>(overrides: Parameters<T> = {}): Parameters<T> {
  return {
    seed: Number(process.env.FUZZ_SEED ?? 20261203),
    numRuns: Number(process.env.FUZZ_RUNS ?? 100_000),
    endOnFailure: true,
    ...overrides,
  };
}
