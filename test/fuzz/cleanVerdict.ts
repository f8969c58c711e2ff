import { expect } from 'vitest';
import type { Candle } from '../../market/Candle.ts';
import { intervalMs } from '../../market/interval.ts';

const CANONICAL_SYMBOL = /^[A-Z0-9]{1,20}-[A-Z0-9]{1,20}$/;
/** 2200-01-01T00:00:00Z, parseTimestamp's documented end. */
export const MAX_MS = Date.UTC(2200, 0, 1);
/** A reason is a short code, optionally `:detail`, never raw input of any length (it is a metric label). */
export const REASON = /^[a-z_]{3,40}(:[A-Za-z0-9_]{1,20})?$/;

/** What Clean emits must be a candle in every respect it promises. */
export function expectValidCandle(c: Candle): void {
  expect(c.symbol).toMatch(CANONICAL_SYMBOL);
  expect(Number.isInteger(c.ts) && c.ts >= 0 && c.ts < MAX_MS).toBe(true);
  for (const v of [c.open, c.high, c.low, c.close]) expect(Number.isFinite(v) && v >= 1e-15 && v <= 1e15).toBe(true);
  expect(Number.isFinite(c.volume) && c.volume >= 0 && c.volume <= 1e18).toBe(true);
  expect(c.high).toBeGreaterThanOrEqual(Math.max(c.open, c.close, c.low));
  expect(c.low).toBeLessThanOrEqual(Math.min(c.open, c.close));
  if (c.interval !== 'trade') expect(intervalMs(c.interval)).toBeGreaterThan(0);
  expect(typeof c.exchange).toBe('string');
}

/** Either a valid candle or a reason: what every Clean decision must be. */
export function expectCandleOrReason(result: { candle: Candle } | { reason: string }): void {
  if ('reason' in result) expect(result.reason).toMatch(REASON);
  else expectValidCandle(result.candle);
}
