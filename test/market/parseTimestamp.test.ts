import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../market/parseTimestamp.ts';

const T = Date.UTC(2023, 2, 1, 12, 30, 15, 250);

describe('parseTimestamp', () => {
  it.each([
    [T / 1000, T],
    [String(T / 1000), T],
    [T, T],
    [String(T), T],
    [T * 1000, T],
    [`${BigInt(T) * 1_000_000n}`, T],
    [BigInt(T) * 1_000_000n, T],
    ['2023-03-01T12:30:15.250Z', T],
    ['2023-03-01 12:30:15.250+00:00', T],
    ['2023-03-01T18:00:15.25+05:30', T],
    ['2023-03-01T18:00:15.250+0530', T],
    ['2023-03-01T07:30:15.250-05:00', T],
    ['2023-03-01T12:30:15.250', T],
    ['2023-03-01', Date.UTC(2023, 2, 1)],
    ['2023-03-01 00:00:00+00:00', Date.UTC(2023, 2, 1)],
    ['1970-01-01', 0],
    ['2199-12-31T23:59:59Z', Date.UTC(2199, 11, 31, 23, 59, 59)],
  ])('%s → %s', (raw, expected) => expect(parseTimestamp(raw)).toBe(expected));

  // JS Date reads years 0–99 as 1900–1999: a year written 0070 must not become 1970.
  it.each(['0070-01-01', '0099-12-31T00:00:00Z', '0000-01-01', '1969-12-31T23:59:59Z', '2200-01-01'])(
    '%s is out of range (1970–2199)',
    (raw) => {
      expect(parseTimestamp(raw)).toBeNull();
    },
  );

  it.each(['abc', '2023-13-01', '2023-02-30', '12:00', '', '2023-03-01T25:00:00Z', NaN, Infinity, -5, '99999999999999999999999', null, {}])(
    '%s is not a time',
    (raw) => {
      expect(parseTimestamp(raw)).toBeNull();
    },
  );
});
