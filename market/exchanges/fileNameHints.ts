import { basename, extname } from 'node:path';
import type { FileNameHints } from './Exchange.ts';
import { EXCHANGES } from './exchanges.ts';

export type { FileNameHints };

/** Words that name an exchange in a file name → the exchange it gives. */
const EXCHANGE_WORDS = new Set(EXCHANGES.flatMap((e) => e.fileNames ?? []));
const INTERVAL = /^\d+[mhd]$/;

/**
 * What a history file's name says when its rows do not: `binance_BTCUSDT_1m_2023-03-01_….csv`,
 * `BTCUSDT-1m-2024-01.csv`, `XBTUSD_60.csv`, and what an exchange's own naming says (its file in this
 * folder): `BTC-USDT-candlesticks-2024-01.csv`. The symbol is returned as written (normalised later).
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
    if (!hints.exchange && EXCHANGE_WORDS.has(lower)) hints.exchange = lower;
    else if (!hints.interval && INTERVAL.test(lower)) hints.interval = lower;
    else if (!hints.symbol && /^[A-Za-z]{5,12}$/.test(token) && token === token.toUpperCase()) hints.symbol = token;
    else if (hints.symbol && !hints.interval && exchangeInterval(token)) hints.interval = exchangeInterval(token);
  }
  for (const exchange of EXCHANGES) {
    const own = exchange.fileNameHints?.(name);
    if (own) return { ...own, ...hints };
  }
  return hints;
}

function exchangeInterval(word: string): string | undefined {
  for (const exchange of EXCHANGES) {
    const interval = exchange.fileNameInterval?.(word);
    if (interval) return interval;
  }
  return undefined;
}
