import type { Exchange } from './Exchange.ts';

/**
 * Binance: kline events (`e: kline`; only closed klines, `k.x`), trade and aggTrade events, the
 * combined-stream envelope `{ stream, data }`; kline CSV exports (data.binance.vision) with or without
 * a header, times in ms (µs since 2025: parseTimestamp reads both by magnitude).
 */
export const binance: Exchange = {
  name: 'binance',
  fields: {
    ts: ['open_time', 'openTime', 'opentime', 't', 'T'],
    symbol: ['s'],
    open: ['o'],
    high: ['h'],
    low: ['l'],
    close: ['c'],
    volume: ['v'],
    interval: ['i'],
    price: ['p'],
    size: ['q'],
  },
  messageFields: ['stream', 'data', 'e', 'k'],
  flatten(message, flatten) {
    const m = message as Record<string, any>;
    if (m.stream !== undefined && m.data && typeof m.data === 'object') {
      // One envelope level, as Binance sends it: no recursion that input could nest without bound.
      if (!Array.isArray(m.data) && m.data.stream !== undefined) return { reason: 'nested_envelope' };
      return flatten(m.data) ?? [m.data];
    }
    if (m.e === 'kline' && m.k && typeof m.k === 'object') {
      if (m.k.x !== true) return { reason: 'kline_not_closed' };
      const k = m.k;
      return [{ symbol: m.s ?? k.s, exchange: 'binance', ts: k.t, interval: k.i, open: k.o, high: k.h, low: k.l, close: k.c, volume: k.v }];
    }
    if (m.e === 'trade' || m.e === 'aggTrade') return [{ symbol: m.s, exchange: 'binance', ts: m.T, price: m.p, qty: m.q }];
    return undefined;
  },
  headerlessCsv: [
    {
      name: 'Binance klines',
      columns: [
        ...['open_time', 'open', 'high', 'low', 'close', 'volume'],
        ...['close_time', 'quote_volume', 'trades', 'taker_buy_base', 'taker_buy_quote', 'ignore'],
      ],
    },
  ],
  fileNames: ['binance', 'binanceus'],
};
