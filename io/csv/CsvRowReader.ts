import { createReadStream } from 'node:fs';
import { lineBatches } from '../lineBatches.ts';
import { splitCsvLine } from './readCsvTable.ts';

export interface Row {
  row: Record<string, unknown>;
  /** 1-based data row number within the file (header excluded). */
  rowNumber: number;
}

const BINANCE_KLINE = ['open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time', 'quote_volume', 'trades', 'taker_buy_base', 'taker_buy_quote', 'ignore'];
const KRAKEN_OHLCVT = ['time', 'open', 'high', 'low', 'close', 'volume', 'trades'];

/**
 * The column names of a CSV file: its header, or, for the header-less exports people have, the
 * layout its column count identifies (Binance klines: 12; Kraken OHLCVT: 6 or 7).
 */
export function csvColumns(firstLine: string, path: string): { columns: string[]; hasHeader: boolean } {
  // Spreadsheet exports often start with a byte-order mark.
  const cells = splitCsvLine(firstLine.replace(/^\uFEFF/, '')).map((c) => c.trim());
  if (cells[0] !== '' && !Number.isFinite(Number(cells[0]))) return { columns: cells.map((c) => c.toLowerCase()), hasHeader: true };
  if (cells.length === 12) return { columns: BINANCE_KLINE, hasHeader: false };
  if (cells.length === 6 || cells.length === 7) return { columns: KRAKEN_OHLCVT.slice(0, cells.length), hasHeader: false };
  throw new Error(`${path}: no header, and ${cells.length} columns match no known export (Binance klines have 12, Kraken OHLCVT 6 or 7)`);
}

/**
 * Streams a CSV file (a local path, or the file's bytes as a stream, named `path`) in batches of
 * rows; cells stay strings (the Clean processor coerces them). A line longer than `maxLineBytes`
 * (default 1 MiB) is a LineTooLongError naming the file and the line.
 */
export async function* readCsvRows(
  input: string | AsyncIterable<Uint8Array>,
  path = String(input),
  { batchSize = 4096, maxLineBytes }: { batchSize?: number; maxLineBytes?: number } = {},
): AsyncGenerator<Row[]> {
  const chunks = typeof input === 'string' ? createReadStream(input) : input;
  let columns: string[] | undefined;
  let rowNumber = 0;
  let batch: Row[] = [];
  for await (const { lines, firstLine } of lineBatches(chunks, { id: path, maxLineBytes })) {
    for (let i = 0; i < lines.length; i++) {
      // Spreadsheet exports often start with a byte-order mark.
      const line = firstLine === 1 && i === 0 ? lines[i].replace(/^\uFEFF/, '') : lines[i];
      if (line.trim() === '') continue;
      if (!columns) {
        const layout = csvColumns(line, path);
        columns = layout.columns;
        if (layout.hasHeader) continue;
      }
      const cells = splitCsvLine(line);
      const row: Record<string, unknown> = {};
      for (let c = 0; c < columns.length; c++) row[columns[c]] = cells[c]?.trim();
      batch.push({ row, rowNumber: ++rowNumber });
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
}
