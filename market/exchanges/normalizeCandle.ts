import type { Candle } from '../Candle.ts';
import { intervalMs } from '../interval.ts';
import { normalizeSymbol, symbolProblem } from '../normalizeSymbol.ts';
import { parseTimestamp } from '../parseTimestamp.ts';
import { pick } from '../pick.ts';
import { toNumber, validateCandle } from '../validateCandle.ts';
import { FIELD_NAMES, MESSAGE_FIELDS, SYMBOL_FIELDS, TIME_FIELDS } from './fieldNames.ts';

export { SYMBOL_FIELDS, TIME_FIELDS };

export interface CandleDefaults {
  symbol?: string;
  exchange?: string;
  interval?: string;
}

const { open: OPEN, high: HIGH, low: LOW, close: CLOSE, volume: VOLUME, interval: INTERVAL, exchange: EXCHANGE } = FIELD_NAMES;
/** An exchange's name, as a file name, a flag or a feed writes it; anything else is not one. */
const EXCHANGE_NAME = /^[a-z0-9][a-z0-9._ -]{0,31}$/;
/** A value short and plain enough to name in a reason (reasons are metric labels: no raw input of any length). */
const PLAIN = /^[A-Za-z0-9_]{1,20}$/;

/** One row or message of any accepted shape → the canonical candle, or the reason it cannot be one. */
export function normalizeCandle(raw: Record<string, unknown>, defaults: CandleDefaults = {}): { candle: Candle } | { reason: string } {
  // A candle its exchange marks still open (`closed: false`, as okx.ts writes it): no market data yet.
  if (raw.closed === false) return { reason: 'kline_not_closed' };
  const rawSymbol = pick(raw, SYMBOL_FIELDS) ?? defaults.symbol;
  if (rawSymbol === undefined || rawSymbol === '') return { reason: 'missing_field:symbol' };
  const symbol = normalizeSymbol(rawSymbol);
  if (!symbol) return { reason: `bad_symbol:${symbolProblem(rawSymbol)}` };
  const rawTime = pick(raw, TIME_FIELDS);
  if (rawTime === undefined || rawTime === '') return { reason: 'missing_field:ts' };
  const ts = parseTimestamp(rawTime);
  if (ts === null) return { reason: 'bad_timestamp' };
  const ohlcv = {
    open: pick(raw, OPEN),
    high: pick(raw, HIGH),
    low: pick(raw, LOW),
    close: pick(raw, CLOSE),
    volume: pick(raw, VOLUME),
  };
  const invalid = validateCandle(ohlcv);
  if (invalid) return { reason: invalid };
  const rawInterval = pick(raw, INTERVAL) ?? defaults.interval ?? '1m';
  const interval = readInterval(rawInterval);
  if (interval === null)
    return { reason: typeof rawInterval === 'string' && PLAIN.test(rawInterval) ? `bad_interval:${rawInterval}` : 'bad_interval' };
  const exchange = pick(raw, EXCHANGE) ?? defaults.exchange ?? 'unknown';
  if (typeof exchange !== 'string' || !EXCHANGE_NAME.test(exchange.toLowerCase())) return { reason: 'bad_exchange' };
  return {
    candle: {
      symbol,
      exchange: exchange.toLowerCase(),
      interval,
      ts,
      open: toNumber(ohlcv.open)!,
      high: toNumber(ohlcv.high)!,
      low: toNumber(ohlcv.low)!,
      close: toNumber(ohlcv.close)!,
      volume: toNumber(ohlcv.volume)!,
    },
  };
}

/**
 * Whether normalizeCandle, for rows with exactly these fields (each present: null, never undefined),
 * reads open, high, low, close and volume from the fields so named and interval and exchange from
 * its defaults, and sees neither an exchange message nor an unclosed candle: for such rows only the
 * symbol, the time and those five values decide (a file's columns, checked once for all its rows).
 */
export function readsPlainCandle(fields: readonly string[]): boolean {
  const has = new Set(fields);
  const first = (names: readonly string[]) => names.find((name) => has.has(name));
  if (has.has('closed') || MESSAGE_FIELDS.some((f) => has.has(f))) return false;
  if (first(INTERVAL) !== undefined || first(EXCHANGE) !== undefined) return false;
  return (
    [
      ['open', OPEN],
      ['high', HIGH],
      ['low', LOW],
      ['close', CLOSE],
      ['volume', VOLUME],
    ] as const
  ).every(([field, names]) => first(names) === field);
}

/** A known interval, or `trade`; null for anything else (an object, an unknown unit). */
function readInterval(raw: unknown): string | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const interval = String(raw);
  if (interval === 'trade') return interval;
  try {
    intervalMs(interval);
    return interval;
  } catch {
    return null;
  }
}
