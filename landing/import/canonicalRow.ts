import type { Candle } from '../../market/Candle.ts';
import { normalizeCandle, type CandleDefaults } from '../../market/exchanges/normalizeCandle.ts';
import { CANDLE_COLUMNS, columnNames, FIELD_NAMES } from '../../market/exchanges/fieldNames.ts';
import { HEADERLESS_CSV } from '../../market/exchanges/csvLayouts.ts';
import { csvColumns } from '../../io/csv/CsvRowReader.ts';
import { splitCsvLine } from '../../io/csv/readCsvTable.ts';

export type { CandleDefaults };

/** How a CSV's lines are read: its columns (from the header, or the layout of a known header-less export). */
export interface CsvLayout {
  columns: string[];
  hasHeader: boolean;
  timeColumn: string;
  /** Whether rows carry their symbol. */
  symbolColumn: boolean;
}

/**
 * The layout a CSV's first line gives (a header, or an exchange's header-less export: Binance's 12
 * kline columns, Kraken's 6 or 7 OHLCVT columns), checked for a time column and open, high, low, close, volume;
 * the error names the file and the missing column.
 */
export function csvLayout(firstLine: string, id: string): CsvLayout {
  const { columns, hasHeader } = csvColumns(firstLine, id, HEADERLESS_CSV);
  const timeColumn = columnNames('ts').find((c) => columns.includes(c));
  if (!timeColumn) {
    throw new Error(
      `${id}: missing column 'open_time' (a time column: ${columnNames('ts').join(', ')}); columns are ${columns.join(', ')}`,
    );
  }
  for (const { field, names } of CANDLE_COLUMNS) {
    if (!names.some((a) => columns.includes(a))) throw new Error(`${id}: missing column '${field}'; columns are ${columns.join(', ')}`);
  }
  return { columns, hasHeader, timeColumn, symbolColumn: columnNames('symbol').some((c) => columns.includes(c)) };
}

/** A data line that cannot be a candle: the reason (Clean's codes, and `wrong_column_count`) and what was wrong. */
export interface Rejection {
  reason: string;
  detail?: string;
}

/**
 * One CSV data line → the canonical candle, by Clean's own rules (`normalizeCandle`: the symbol
 * normalised, the time in s/ms/µs/ns or ISO-8601 to epoch ms, prices and volume numeric, finite and
 * consistent), so that what import lands is exactly what backfill of the export would accept. A line
 * with another number of cells than the file's columns is rejected whole (`wrong_column_count`).
 */
export function canonicalCandle(line: string, layout: CsvLayout, defaults: CandleDefaults): { candle: Candle } | Rejection {
  const cells = splitCsvLine(line);
  const { columns } = layout;
  if (cells.length !== columns.length)
    return { reason: 'wrong_column_count', detail: `${cells.length} cells, the file has ${columns.length} columns` };
  const row: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) row[columns[i]] = cells[i].trim();
  const result = normalizeCandle(row, defaults);
  if ('reason' in result) return { reason: result.reason, detail: detailOf(result.reason, row, layout) };
  return result;
}

/** The offending value, for the dead letter. */
function detailOf(reason: string, row: Record<string, unknown>, layout: CsvLayout): string | undefined {
  if (reason === 'bad_timestamp' || reason === 'missing_field:ts') return `${layout.timeColumn}=${JSON.stringify(row[layout.timeColumn])}`;
  const field = /^(?:non_numeric|non_finite|missing_field|non_positive_price):(\w+)$/.exec(reason)?.[1];
  if (field) {
    const column = FIELD_NAMES[field as keyof typeof FIELD_NAMES]?.find((c) => row[c] !== undefined);
    if (column) return `${column}=${JSON.stringify(row[column])}`;
  }
  return undefined;
}
