import { basename, extname } from 'node:path';

const EXCHANGES = new Set(['binance', 'binanceus', 'coinbase', 'kraken', 'bybit', 'okx', 'bitstamp', 'bitfinex', 'kucoin', 'gemini']);
const INTERVAL = /^\d+[mhd]$/;
/** Kraken's OHLCVT exports name the interval in minutes: XBTUSD_60.csv. */
const KRAKEN_MINUTES: Record<string, string> = { '1': '1m', '5': '5m', '15': '15m', '30': '30m', '60': '1h', '240': '4h', '720': '12h', '1440': '1d' };

export interface FileNameHints {
  symbol?: string;
  interval?: string;
  exchange?: string;
}

/**
 * What a history file's name says when its rows do not: `binance_BTCUSDT_1m_2023-03-01_….csv`,
 * `BTCUSDT-1m-2024-01.csv`, `XBTUSD_60.csv`. The symbol is returned as written (normalised later).
 */
export function fileNameHints(path: string): FileNameHints {
  // Spark's part files (part-00000-<uuid>-c000.snappy.parquet) name nothing: a uuid group like 865d
  // would read as an interval.
  const name = basename(path, extname(path)).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '');
  if (/^part-\d+/.test(name)) return {};
  const tokens = name.split(/[_\-\s.]+/).filter(Boolean);
  const hints: FileNameHints = {};
  for (const token of tokens) {
    const lower = token.toLowerCase();
    if (!hints.exchange && EXCHANGES.has(lower)) hints.exchange = lower;
    else if (!hints.interval && INTERVAL.test(lower)) hints.interval = lower;
    else if (!hints.symbol && /^[A-Za-z]{5,12}$/.test(token) && token === token.toUpperCase()) hints.symbol = token;
    else if (hints.symbol && !hints.interval && KRAKEN_MINUTES[token]) hints.interval = KRAKEN_MINUTES[token];
  }
  return hints;
}
