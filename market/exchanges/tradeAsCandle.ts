import { pick } from '../pick.ts';
import { FIELD_NAMES } from './fieldNames.ts';

/**
 * A trade (price and quantity, no OHLC) as a one-trade candle of interval `trade`, which the Candles
 * processor rolls up like any other; anything else → undefined.
 */
export function tradeAsCandle(raw: Record<string, unknown>): Record<string, unknown> | undefined {
  if (pick(raw, FIELD_NAMES.open) !== undefined) return undefined;
  const price = pick(raw, FIELD_NAMES.price);
  const size = pick(raw, FIELD_NAMES.size);
  if (price === undefined || size === undefined) return undefined;
  return { ...raw, open: price, high: price, low: price, close: price, volume: size };
}
