import { describe, expect, it } from 'vitest';
import { wholeNumber } from '../../cli/flagValues.ts';
import { UsageError } from '../../cli/UsageError.ts';

describe('wholeNumber', () => {
  it('takes a whole number at least the minimum', () => {
    expect(wholeNumber('4', '--partitions')).toBe(4);
    expect(wholeNumber('0', '--limit', 0)).toBe(0);
    expect(() => wholeNumber('2.5', '--partitions')).toThrow(UsageError);
    expect(() => wholeNumber('', '--partitions')).toThrow(/--partitions must be a whole number ≥ 1, not ""/);
  });

  it('refuses a count past its bound, saying why, when the count allocates per unit', () => {
    const limit = { max: 256, why: 'one task each' };
    expect(wholeNumber('256', '--partitions', 1, limit)).toBe(256);
    expect(() => wholeNumber('1e9', '--partitions', 1, limit)).toThrow(
      new UsageError('--partitions must be a whole number from 1 to 256 (one task each), not "1e9"'),
    );
    expect(() => wholeNumber('0', '--partitions', 1, limit)).toThrow(/from 1 to 256/);
    expect(() => wholeNumber('1e400', '--partitions')).toThrow(/not "1e400"/);
  });
});
