import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidOhlcv, MAX_VOLUME, PRICE_RANGE, validateCandle } from '../../market/validateCandle.ts';

/** Numbers around every bound the checks draw, and anything else a float can be. */
const value = fc.oneof(
  fc.constantFrom(0, -1, PRICE_RANGE[0], PRICE_RANGE[1], PRICE_RANGE[1] * 2, MAX_VOLUME, MAX_VOLUME * 2, NaN, Infinity, -Infinity),
  fc.double(),
  fc.double({ min: 1, max: 2 }),
);

describe('isValidOhlcv', () => {
  it('is true exactly when validateCandle finds no fault in the same numbers', () => {
    fc.assert(
      fc.property(value, value, value, value, value, (open, high, low, close, volume) => {
        expect(isValidOhlcv(open, high, low, close, volume)).toBe(validateCandle({ open, high, low, close, volume }) === null);
      }),
      { numRuns: 20_000, seed: 17 },
    );
  });
});
