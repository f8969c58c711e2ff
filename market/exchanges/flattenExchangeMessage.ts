import type { FlatRows } from './Exchange.ts';
import { EXCHANGES } from './exchanges.ts';

/**
 * Exchange stream messages → the flat rows Clean reads (a candle, or a trade with price and size), each
 * exchange's shapes as its file in this folder describes them. Returns undefined for a message that is
 * already a flat row, or `{ reason }` for one that is an exchange message but no market data yet (a kline
 * that has not closed).
 *
 * Never an empty list: a message that carries no rows is rejected (`empty_message`), so no input
 * vanishes without a dead letter. An array no exchange reads is `not_an_object`.
 */
export function flattenExchangeMessage(raw: object): FlatRows | undefined {
  for (const exchange of EXCHANGES) {
    const rows = exchange.flatten?.(raw, flattenExchangeMessage);
    if (rows !== undefined) return rows;
  }
  return Array.isArray(raw) ? { reason: 'not_an_object' } : undefined;
}
