import { pick } from '../pick.ts';

/**
 * A trade (price and quantity, no OHLC) as a one-trade candle of interval `trade`, which the Candles
 * processor rolls up like any other; anything else → undefined.
 */
export function tradeAsCandle(raw: Record<string, unknown>): Record<string, unknown> | undefined {
  if (pick(raw, ['open', 'o']) !== undefined) return undefined;
  const price = pick(raw, ['price', 'p', 'last_price']);
  const size = pick(raw, ['qty', 'q', 'size', 'quantity', 'amount', 'last_size']);
  if (price === undefined || size === undefined) return undefined;
  return { ...raw, open: price, high: price, low: price, close: price, volume: size };
}
