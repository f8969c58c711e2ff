import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { StreamRecord } from '../topology/Record.ts';
import { normalizeSymbol } from '../processors/clean/normalizeSymbol.ts';
import { parseTimestamp } from '../processors/clean/parseTimestamp.ts';
import type { BoundedInput } from './BoundedInput.ts';
import { csvColumns, firstLine, readCsvRows, type Row } from './io/CsvRowReader.ts';
import { parquetColumns, parquetMetadata, readParquetRows } from './io/ParquetRowReader.ts';
import { fileNameHints } from './io/fileNameHints.ts';

export interface CandleFileOptions {
  symbol?: string;
  exchange?: string;
  /** Keep candles with from ≤ ts < to. */
  from: number;
  to: number;
  source: string;
}

const TIME_COLUMNS = ['ts', 'timestamp', 'time', 'open_time', 'opentime', 't', 'date'];
const REQUIRED: [string, string[]][] = [
  ['open', ['open', 'o']],
  ['high', ['high', 'h']],
  ['low', ['low', 'l']],
  ['close', ['close', 'c']],
  ['volume', ['volume', 'v', 'vol']],
];
const EXTENSIONS = new Set(['.csv', '.parquet']);

/** Every CSV and Parquet file under the given paths (directories walked, files sorted), one input each. */
export async function candleFileInputs(paths: readonly string[], options: CandleFileOptions): Promise<BoundedInput[]> {
  const files: string[] = [];
  for (const path of paths) {
    const s = await stat(path).catch(() => undefined);
    if (!s) throw new Error(`${path}: no such file or directory`);
    if (s.isDirectory()) {
      const found = (await readdir(path, { recursive: true }))
        .filter((f) => EXTENSIONS.has(extname(f).toLowerCase()))
        .sort()
        .map((f) => join(path, f));
      if (!found.length) throw new Error(`${path}: no .csv or .parquet files in this directory`);
      files.push(...found);
    } else files.push(path);
  }
  return Promise.all(files.map((file) => candleFileInput(file, options)));
}

/** One history file as a bounded input: columns checked now, rows streamed when replayed. */
export async function candleFileInput(path: string, options: CandleFileOptions): Promise<BoundedInput> {
  const parquet = extname(path).toLowerCase() === '.parquet';
  if (!parquet && extname(path).toLowerCase() !== '.csv') throw new Error(`${path}: not a .csv or .parquet file`);
  const columns = parquet ? parquetColumns(await parquetMetadata(path)) : await csvFileColumns(path);
  const timeColumn = TIME_COLUMNS.find((c) => columns.includes(c));
  if (!timeColumn) throw new Error(`${path}: missing column 'open_time' (a time column: ${TIME_COLUMNS.join(', ')}); columns are ${columns.join(', ')}`);
  for (const [name, aliases] of REQUIRED) {
    if (!aliases.some((a) => columns.includes(a))) throw new Error(`${path}: missing column '${name}'; columns are ${columns.join(', ')}`);
  }
  const hints = fileNameHints(path);
  const symbol = options.symbol ?? hints.symbol;
  const hasSymbolColumn = ['symbol', 's', 'pair', 'product_id'].some((c) => columns.includes(c));
  if (!hasSymbolColumn && !symbol) throw new Error(`${path}: missing column 'symbol', and the file name names none; pass --symbol`);
  const headers: Record<string, string> = {};
  if (symbol) headers.symbol = symbol;
  if (options.exchange ?? hints.exchange) headers.exchange = (options.exchange ?? hints.exchange)!;
  if (hints.interval) headers.interval = hints.interval;
  const defaultKey = symbol ? normalizeSymbol(symbol) ?? symbol : null;

  return {
    id: path,
    source: options.source,
    async estimatedRecords() {
      if (parquet) return Number((await parquetMetadata(path)).num_rows);
      const line = await firstLine(path);
      const { size } = await stat(path);
      return line ? Math.round(size / (line.length + 1)) : 0;
    },
    async *batches(): AsyncGenerator<StreamRecord[]> {
      const rows: AsyncIterable<Row[]> = parquet ? readParquetRows(path) : readCsvRows(path);
      let lastTs = -Infinity;
      for await (const batch of rows) {
        const records: StreamRecord[] = [];
        for (const { row, rowNumber } of batch) {
          const ts = parseTimestamp(row[timeColumn]);
          if (ts !== null && (ts < options.from || ts >= options.to)) continue;
          if (ts !== null) lastTs = ts;
          const rowSymbol = row.symbol ?? row.s ?? row.pair ?? row.product_id;
          const key = rowSymbol === undefined || rowSymbol === '' ? defaultKey : normalizeSymbol(rowSymbol) ?? String(rowSymbol);
          // A row whose time cannot be read keeps its place in the file, so Clean rejects it in order.
          records.push({ key, value: row, timestamp: ts ?? lastTs, headers, position: { source: path, partition: 0, offset: rowNumber } });
        }
        yield records;
      }
    },
  };
}

async function csvFileColumns(path: string): Promise<string[]> {
  const line = await firstLine(path);
  if (line === undefined) throw new Error(`${path}: empty file`);
  return csvColumns(line, path).columns;
}
