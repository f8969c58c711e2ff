import type { Exchange, FlatRows } from './Exchange.ts';

/** Kraken's OHLCVT exports name the interval in minutes: XBTUSD_60.csv. */
const MINUTES: Record<string, string> = {
  ...{ '1': '1m', '5': '5m', '15': '15m', '30': '30m' },
  ...{ '60': '1h', '240': '4h', '720': '12h', '1440': '1d' },
};

/**
 * Kraken: v2 `{ channel: trade | ohlc, data: [...] }` and v1 arrays `[id, payload, "trade" | "ohlc-N", pair]`;
 * OHLCVT CSV exports without a header (6 or 7 columns, times in seconds); legacy pair names (XXBTZUSD,
 * read by normalizeSymbol). Kraken sends OHLC updates while a candle is open and marks none final: forward
 * the last update of each candle (its successors are rejected as duplicates) or send trades.
 *
 * An element that is not an object becomes an empty row, which Clean rejects for its missing fields.
 */
export const kraken: Exchange = {
  name: 'kraken',
  fields: {
    symbol: ['pair', 'Pair'],
  },
  messageFields: ['channel', 'data'],
  flatten(message) {
    if (Array.isArray(message)) return v1(message);
    const m = message as Record<string, any>;
    if ((m.channel === 'trade' || m.channel === 'ohlc') && Array.isArray(m.data)) {
      if (!m.data.length) return { reason: 'empty_message' };
      return Array.from(m.data, (x: unknown) => (isRecord(x) ? x : {})).map((d: Record<string, unknown>) =>
        m.channel === 'trade'
          ? { symbol: d.symbol, exchange: 'kraken', ts: d.timestamp, price: d.price, qty: d.qty }
          : {
              ...{ symbol: d.symbol, exchange: 'kraken', ts: d.interval_begin, interval: minutes(d.interval) },
              ...{ open: d.open, high: d.high, low: d.low, close: d.close, volume: d.volume },
            },
      );
    }
    return undefined;
  },
  headerlessCsv: [{ name: 'Kraken OHLCVT', columns: ['time', 'open', 'high', 'low', 'close', 'volume', 'trades'], minColumns: 6 }],
  fileNames: ['kraken'],
  fileNameInterval: (word) => MINUTES[word],
};

function v1(a: unknown[]): FlatRows | undefined {
  const [, payload, channel, pair] = a;
  if (channel === 'trade' && Array.isArray(payload)) {
    if (!payload.length) return { reason: 'empty_message' };
    return Array.from(payload).map((t) =>
      Array.isArray(t) ? { symbol: pair, exchange: 'kraken', ts: t[2], price: t[0], qty: t[1] } : { symbol: pair, exchange: 'kraken' },
    );
  }
  const minutes = typeof channel === 'string' && channel.startsWith('ohlc-') ? Number(channel.slice(5)) : NaN;
  if (Array.isArray(payload) && Number.isInteger(minutes) && minutes > 0) {
    const [, etime, open, high, low, close, , volume] = payload;
    const ts = isPlain(etime) ? Number(etime) - minutes * 60 : undefined;
    return [{ symbol: pair, exchange: 'kraken', ts, interval: `${minutes}m`, open, high, low, close, volume }];
  }
  return undefined;
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
