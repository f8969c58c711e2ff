/**
 * Exchange stream messages → the flat rows Clean reads (a candle, or a trade with price and size).
 * Returns undefined for a message that is already a flat row, or `{ reason }` for one that is an
 * exchange message but no market data yet (a Binance kline that has not closed).
 *
 * - Binance: kline events (`e: kline`, only closed klines, `k.x`), trade and aggTrade events, and the
 *   combined-stream envelope `{ stream, data }`.
 * - Coinbase: `match`, `last_match` and `ticker` messages (a ticker carries the last trade).
 * - Kraken: v2 `{ channel: trade | ohlc, data: [...] }` and v1 arrays `[id, payload, "trade" | "ohlc-N", pair]`.
 *   Kraken sends OHLC updates while a candle is open and marks none final: forward the last update
 *   of each candle (its successors are rejected as duplicates) or send trades.
 *
 * Never an empty list: a message that carries no rows is rejected (`empty_message`), so no input
 * vanishes without a dead letter. An element that is not an object becomes an empty row, which Clean
 * rejects for its missing fields.
 */
export function flattenExchangeMessage(raw: object): Record<string, unknown>[] | { reason: string } | undefined {
  if (Array.isArray(raw)) return krakenV1(raw);
  const m = raw as Record<string, any>;
  if (m.stream !== undefined && m.data && typeof m.data === 'object') {
    // One envelope level, as Binance sends it: no recursion that input could nest without bound.
    if (!Array.isArray(m.data) && m.data.stream !== undefined) return { reason: 'nested_envelope' };
    return flattenExchangeMessage(m.data) ?? [m.data];
  }
  if (m.e === 'kline' && m.k && typeof m.k === 'object') {
    if (m.k.x !== true) return { reason: 'kline_not_closed' };
    return [{ symbol: m.s ?? m.k.s, exchange: 'binance', ts: m.k.t, interval: m.k.i, open: m.k.o, high: m.k.h, low: m.k.l, close: m.k.c, volume: m.k.v }];
  }
  if (m.e === 'trade' || m.e === 'aggTrade') return [{ symbol: m.s, exchange: 'binance', ts: m.T, price: m.p, qty: m.q }];
  if (m.type === 'match' || m.type === 'last_match') return [{ symbol: m.product_id, exchange: 'coinbase', ts: m.time, price: m.price, size: m.size }];
  if (m.type === 'ticker' && m.product_id !== undefined) return [{ symbol: m.product_id, exchange: 'coinbase', ts: m.time, price: m.price, size: m.last_size }];
  if ((m.channel === 'trade' || m.channel === 'ohlc') && Array.isArray(m.data)) {
    if (!m.data.length) return { reason: 'empty_message' };
    return Array.from(m.data, (x: unknown) => (isRecord(x) ? x : {})).map((d: Record<string, unknown>) =>
      m.channel === 'trade'
        ? { symbol: d.symbol, exchange: 'kraken', ts: d.timestamp, price: d.price, qty: d.qty }
        : { symbol: d.symbol, exchange: 'kraken', ts: d.interval_begin, interval: minutes(d.interval), open: d.open, high: d.high, low: d.low, close: d.close, volume: d.volume },
    );
  }
  return undefined;
}

function krakenV1(a: unknown[]): Record<string, unknown>[] | { reason: string } {
  const [, payload, channel, pair] = a;
  if (channel === 'trade' && Array.isArray(payload)) {
    if (!payload.length) return { reason: 'empty_message' };
    return Array.from(payload).map((t) => ({ symbol: pair, exchange: 'kraken', ts: Array.isArray(t) ? t[2] : undefined, price: Array.isArray(t) ? t[0] : undefined, qty: Array.isArray(t) ? t[1] : undefined }));
  }
  const minutes = typeof channel === 'string' && channel.startsWith('ohlc-') ? Number(channel.slice(5)) : NaN;
  if (Array.isArray(payload) && Number.isInteger(minutes) && minutes > 0) {
    const [, etime, open, high, low, close, , volume] = payload;
    return [{ symbol: pair, exchange: 'kraken', ts: isPlain(etime) ? Number(etime) - minutes * 60 : undefined, interval: `${minutes}m`, open, high, low, close, volume }];
  }
  return { reason: 'not_an_object' };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** A number or a string: what can be read as one without calling into an object (`{"toString": 0}` throws). */
function isPlain(x: unknown): x is number | string {
  return typeof x === 'number' || typeof x === 'string';
}

/** Kraken v2's interval in minutes → `<n>m`; anything else is passed on for Clean to reject as bad_interval. */
function minutes(x: unknown): unknown {
  return isPlain(x) ? `${x}m` : x;
}
