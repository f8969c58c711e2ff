import type { Field } from './Exchange.ts';
import { EXCHANGES } from './exchanges.ts';

function namesOf(field: Field): readonly string[] {
  return [...new Set(EXCHANGES.flatMap((e) => e.fields?.[field] ?? []))];
}

/**
 * Every name a field goes by, from the registry: canonical names first, then each exchange's in
 * registration order (the first a row has is read). The one list normalizeCandle, tradeAsCandle and
 * the file readers' column checks use.
 */
export const FIELD_NAMES: Readonly<Record<Field, readonly string[]>> = {
  ts: namesOf('ts'),
  symbol: namesOf('symbol'),
  open: namesOf('open'),
  high: namesOf('high'),
  low: namesOf('low'),
  close: namesOf('close'),
  volume: namesOf('volume'),
  interval: namesOf('interval'),
  exchange: namesOf('exchange'),
  price: namesOf('price'),
  size: namesOf('size'),
};

export const TIME_FIELDS = FIELD_NAMES.ts;
export const SYMBOL_FIELDS = FIELD_NAMES.symbol;

/** A field's names as the file readers name columns (lower case): a CSV or Parquet file's columns are matched against these. */
export function columnNames(field: Field): readonly string[] {
  return FIELD_NAMES[field].filter((name) => name === name.toLowerCase());
}

/** The columns a candle file must have, besides a time column: open, high, low, close, volume. */
export const CANDLE_COLUMNS = (['open', 'high', 'low', 'close', 'volume'] as const).map((field) => ({ field, names: columnNames(field) }));

/** The top-level fields of exchange messages (a Parquet file of messages keeps these columns). */
export const MESSAGE_FIELDS: readonly string[] = [...new Set(EXCHANGES.flatMap((e) => e.messageFields ?? []))];
