import type { Exchange, FlatRows } from './Exchange.ts';

/**
 * OKX (v5 API), times in ms:
 * - WebSocket candles `{ arg: { channel: "candle1m", instId: "BTC-USDT" }, data: [[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]] }`
 *   and trades `{ arg: { channel: "trades" }, data: [{ instId, px, sz, ts }] }`; other channels are `unsupported_channel`.
 * - REST candles `{ code: "0", msg: "", data: [[ts, o, h, l, c, vol, …, confirm], …] }`, newest first: read oldest
 *   first. They name no instrument: the record's symbol header (or `--symbol`) does. An error response
 *   (`code` other than "0") is `error_response`.
 * - History CSVs (okx.com/data-download, `BTC-USDT-candlesticks-2024-01.csv`, 1m):
 *   `instrument_name,open,high,low,close,vol,vol_ccy,vol_quote,open_time,confirm`, with a header.
 *
 * `vol` is the base volume for spot. A candle with `confirm` other than "1" is still open: rejected as
 * `kline_not_closed`, as Binance's klines without `x`; OKX sends each candle confirmed once it closes. (A
 * history CSV's rows are closed candles: its `confirm` column is not read.) Instruments other than spot
 * pairs (`BTC-USDT-SWAP`, `BTC-USD-250328`) are no pair: their rows are rejected `bad_symbol:not_spot`.
 */
export const okx: Exchange = {
  name: 'okx',
  fields: {
    symbol: ['instrument_name'],
  },
  messageFields: ['arg', 'code', 'data'],
  flatten(message) {
    if (Array.isArray(message)) return undefined;
    const m = message as Record<string, any>;
    if (m.arg && typeof m.arg === 'object' && typeof m.arg.channel === 'string') return pushed(m.arg, m.data);
    if (typeof m.code !== 'string' || typeof m.msg !== 'string') return undefined;
    if (m.code !== '0' || !Array.isArray(m.data)) return { reason: 'error_response' };
    if (!m.data.length) return { reason: 'empty_message' };
    return candles(m.data, {}).reverse();
  },
  fileNames: ['okx'],
  fileNameHints(name) {
    const m = /^([A-Za-z0-9]+(?:-[A-Za-z0-9]+)+)-candlesticks-\d{4}-\d{2}(?:-\d{2})?$/.exec(name);
    return m ? { exchange: 'okx', symbol: m[1], interval: '1m' } : undefined;
  },
};

/** A WebSocket push: candles or trades of one instrument. */
function pushed(arg: Record<string, unknown>, data: unknown): FlatRows {
  const channel = arg.channel as string;
  const trades = channel === 'trades' || channel === 'trades-all';
  const bar = /^candle(\w+)$/.exec(channel)?.[1];
  if ((!trades && bar === undefined) || !Array.isArray(data)) return { reason: 'unsupported_channel' };
  if (!data.length) return { reason: 'empty_message' };
  if (trades) {
    return Array.from(data, (t: unknown) => (isRecord(t) ? { symbol: t.instId, exchange: 'okx', ts: t.ts, price: t.px, qty: t.sz } : {}));
  }
  return candles(data, { symbol: arg.instId, interval: interval(bar!) });
}

/** Candle arrays → rows; an element that is not an array keeps what the message says, and Clean rejects it for the rest. */
function candles(data: unknown[], of: Record<string, unknown>): Record<string, unknown>[] {
  return Array.from(data, (d: unknown) => {
    if (!Array.isArray(d)) return { ...of, exchange: 'okx' };
    const [ts, open, high, low, close, volume, , , confirm] = d;
    const row: Record<string, unknown> = { ...of, exchange: 'okx', ts, open, high, low, close, volume };
    if (confirm !== '1' && confirm !== 1) row.closed = false;
    return row;
  });
}

/**
 * OKX's bar → our interval. Bars of 6 hours and more (6H, 12H, 1D…) open on Hong Kong time unless they
 * end in `utc`: those are passed on as written, for Clean to reject as `bad_interval:1D`.
 */
function interval(bar: string): string {
  const m = /^(\d+)([mHDWM])(utc)?$/.exec(bar);
  if (!m) return bar;
  const [, n, unit, utc] = m;
  if (unit === 'm') return `${n}m`;
  if (unit === 'H' && (utc || 8 % Number(n) === 0)) return `${n}h`;
  if (unit === 'D' && utc) return `${n}d`;
  return bar;
}

function isRecord(x: unknown): x is Record<string, any> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}
