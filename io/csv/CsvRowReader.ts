import { createReadStream } from 'node:fs';
import { lineBatches } from '../lineBatches.ts';
import { splitCsvLine } from './readCsvTable.ts';

export interface Row {
  row: Record<string, unknown>;
  /** 1-based data row number within the file (header excluded). */
  rowNumber: number;
}

/** A CSV export without a header, known by its column count: `columns`, or their first `minColumns` or more. */
export interface HeaderlessLayout {
  /** As the error for an unknown layout names it. */
  name: string;
  columns: readonly string[];
  minColumns?: number;
}

/**
 * The column names of a CSV file: its header, or, for the header-less exports people have, the layout
 * its column count identifies among `headerless` (the callers pass the exchanges' layouts from market/).
 */
export function csvColumns(
  firstLine: string,
  path: string,
  headerless: readonly HeaderlessLayout[] = [],
): { columns: string[]; hasHeader: boolean } {
  // Spreadsheet exports often start with a byte-order mark.
  const cells = splitCsvLine(firstLine.replace(/^\uFEFF/, '')).map((c) => c.trim());
  if (cells[0] !== '' && !Number.isFinite(Number(cells[0]))) return { columns: cells.map((c) => c.toLowerCase()), hasHeader: true };
  const layout = headerless.find((l) => cells.length >= (l.minColumns ?? l.columns.length) && cells.length <= l.columns.length);
  if (layout) return { columns: layout.columns.slice(0, cells.length), hasHeader: false };
  const known = headerless.map((l) => `${l.name}: ${l.minColumns ? `${l.minColumns} to ` : ''}${l.columns.length}`).join(', ');
  throw new Error(`${path}: no header, and ${cells.length} columns match no known export${known ? ` (${known})` : ''}`);
}

export interface CsvReadOptions {
  batchSize?: number;
  maxLineBytes?: number;
  headerless?: readonly HeaderlessLayout[];
}

/**
 * Streams a CSV file (a local path, or the file's bytes as a stream, named `path`) in batches of
 * rows; cells stay strings (the Clean processor coerces them). A file without a header is read as one of
 * the `headerless` layouts. A line longer than `maxLineBytes` (default 1 MiB) is a LineTooLongError naming
 * the file and the line.
 */
export async function* readCsvRows(
  input: string | AsyncIterable<Uint8Array>,
  path = String(input),
  { batchSize = 4096, maxLineBytes, headerless }: CsvReadOptions = {},
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
        const layout = csvColumns(line, path, headerless);
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
