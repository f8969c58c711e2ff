import type { StreamRecord } from '../topology/StreamRecord.ts';
import { normalizeSymbol } from '../market/normalizeSymbol.ts';
import { CANDLE_COLUMNS, columnNames, FIELD_NAMES, MESSAGE_FIELDS } from '../market/exchanges/fieldNames.ts';
import { HEADERLESS_CSV } from '../market/exchanges/csvLayouts.ts';
import { pick } from '../market/pick.ts';
import { parseTimestamp } from '../market/parseTimestamp.ts';
import type { BoundedInput } from './BoundedInput.ts';
import { csvColumns, readCsvRows, type Row } from '../io/csv/CsvRowReader.ts';
import { readParquetColumnRows } from '../io/parquet/ParquetColumnReader.ts';
import { parquetColumns, parquetMetadata } from '../io/parquet/ParquetRowReader.ts';
import { storedParquet } from '../io/parquet/storedParquet.ts';
import { fileNameHints } from '../market/exchanges/fileNameHints.ts';
import { mergeByEventTime } from './mergeByEventTime.ts';
import { parquetCandleRecords } from './parquetCandleRecords.ts';
import { hivePartitionValues, partitionMayMatch } from '../io/hivePartitions.ts';
import { walk, type Storage, type StorageEntry } from '../io/storage/Storage.ts';
import { storageFor, type HdfsSettings } from '../io/storage/storageFor.ts';

export interface CandleFileOptions {
  /** Symbol for files without a symbol column; for a dataset partitioned by `symbol=`, the one to read. */
  symbol?: string;
  exchange?: string;
  /** Keep candles with from ≤ ts < to; `date=` partitions outside are not read. */
  from: number;
  to: number;
  source: string;
  hdfs?: HdfsSettings;
  /** A file that cannot be read: stop (default), or skip it, reporting why. */
  onError?: 'fail' | 'skip';
  onSkip?: (message: string) => void;
  /** A shard's symbols (backfill --tasks): other `symbol=` directories are not read. */
  symbolOwned?: (symbol: string) => boolean;
}

const TIME_COLUMNS = columnNames('ts');
const SYMBOL_COLUMNS = columnNames('symbol');
/**
 * Every field Clean reads from a row (normalizeCandle, tradeAsCandle, the exchanges' messages), lower-cased
 * as the readers name columns, and `raw` for archived messages: a Parquet file's other columns are not read.
 */
const CLEAN_COLUMNS = new Set([...Object.values(FIELD_NAMES).flat(), ...MESSAGE_FIELDS, 'raw'].map((f) => f.toLowerCase()));

/** One history file: where it is, and the Hive partition values its path gives. */
interface CandleFile {
  storage: Storage;
  entry: StorageEntry;
  uri: string;
  partition: Record<string, string>;
}

/**
 * Every CSV and Parquet file under the given locations (local paths or hdfs:// URIs; directories
 * walked in name order, Hive partitions `symbol=…` and `date=…` pruned by the symbol and time range,
 * Spark's `_SUCCESS`, `.crc` and hidden files left out). Files of one partition are one input: a
 * file per `date=` partition, chained in date order, and files of the same date merged by event time.
 */
export async function candleFileInputs(locations: readonly string[], options: CandleFileOptions): Promise<BoundedInput[]> {
  const symbols = options.symbol ? new Set([normalizeSymbol(options.symbol) ?? options.symbol]) : undefined;
  const groups = new Map<string, CandleFile[]>();
  for (const location of locations) {
    const { storage, path } = storageFor(location, options.hdfs);
    const top = await storage.stat(path);
    if (!top) throw new Error(`${location}: no such file or directory`);
    const files: CandleFile[] = [];
    if (!top.directory) files.push({ storage, entry: top, uri: storage.uri(path), partition: {} });
    else {
      for await (const entry of walk(storage, path, (dir) =>
        partitionMayMatch(dir.name, { symbols, symbolOwned: options.symbolOwned, from: options.from, to: options.to }),
      )) {
        if (!/\.(csv|parquet)$/i.test(entry.name) || /^[._]/.test(entry.name)) continue;
        files.push({
          storage,
          entry,
          uri: storage.uri(entry.path),
          partition: hivePartitionValues(entry.path.slice(path.length).replace(/^\//, '')),
        });
      }
      // A shard may own none of a directory's symbols.
      if (!files.length && !options.symbolOwned)
        throw new Error(`${location}: no .csv or .parquet files in this directory${symbols ? ` for symbol ${options.symbol}` : ''}`);
    }
    for (const file of files) {
      const dir = file.uri.slice(0, file.uri.lastIndexOf('/'));
      const key = dir
        .split('/')
        .filter((segment) => !/^(date|dt)=/i.test(segment))
        .join('/');
      groups.set(key, [...(groups.get(key) ?? []), file]);
    }
  }
  const inputs: BoundedInput[] = [];
  for (const [key, files] of groups) {
    const readable: FileInput[] = [];
    for (const file of files) {
      try {
        readable.push(await fileInput(file, options));
      } catch (e) {
        if (options.onError !== 'skip') throw e;
        options.onSkip?.(`skipped ${(e as Error).message}`);
      }
    }
    if (readable.length) inputs.push(partitionInput(files.length === 1 ? files[0].uri : key, readable, options));
  }
  return inputs;
}

/** One file, checked: its rows as records, when replayed. */
interface FileInput {
  file: CandleFile;
  date: string;
  estimatedRecords(): Promise<number>;
  batches(): AsyncIterable<StreamRecord[]>;
}

/** The files of one partition as one input: dates in order; files of one date merged by event time. */
function partitionInput(id: string, files: FileInput[], options: CandleFileOptions): BoundedInput {
  const byDate = new Map<string, FileInput[]>();
  for (const f of [...files].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)))
    byDate.set(f.date, [...(byDate.get(f.date) ?? []), f]);
  return {
    id,
    source: options.source,
    version: files.map((f) => `${f.file.uri}:${f.file.entry.size}:${f.file.entry.modifiedMs}`).join('|'),
    async estimatedRecords() {
      let total = 0;
      for (const f of files) total += await f.estimatedRecords();
      return total;
    },
    async *batches() {
      for (const group of byDate.values()) {
        if (group.length === 1) yield* group[0].batches();
        else for await (const merged of mergeByEventTime(group.map((f) => f.batches()))) yield merged.records;
      }
    },
  };
}

async function fileInput(file: CandleFile, options: CandleFileOptions): Promise<FileInput> {
  const { storage, entry, uri, partition } = file;
  const parquet = /\.parquet$/i.test(entry.name);
  const location = storedParquet(storage, entry);
  const metadata = parquet ? await parquetMetadata(location) : undefined;
  const columns = metadata ? parquetColumns(metadata) : await csvFileColumns(storage, entry, uri);
  const timeColumn = TIME_COLUMNS.find((c) => columns.includes(c));
  if (!timeColumn)
    throw new Error(`${uri}: missing column 'open_time' (a time column: ${TIME_COLUMNS.join(', ')}); columns are ${columns.join(', ')}`);
  // `candlestream archive` keeps each message as it came, in `raw`: replayed as the live service read it.
  const archived = columns.includes('raw') && !columns.includes('open');
  if (!archived) {
    for (const { field, names } of CANDLE_COLUMNS) {
      if (!names.some((a) => columns.includes(a))) throw new Error(`${uri}: missing column '${field}'; columns are ${columns.join(', ')}`);
    }
  }
  const hints = fileNameHints(entry.name);
  const symbol = partition.symbol ?? options.symbol ?? hints.symbol;
  const hasSymbolColumn = SYMBOL_COLUMNS.some((c) => columns.includes(c));
  if (!hasSymbolColumn && !symbol)
    throw new Error(`${uri}: missing column 'symbol', and neither the path nor the file name names one; pass --symbol`);
  const headers: Record<string, string> = {};
  if (symbol) headers.symbol = symbol;
  const exchange = partition.exchange ?? options.exchange ?? hints.exchange;
  if (exchange) headers.exchange = exchange;
  const interval = partition.interval ?? hints.interval;
  if (interval) headers.interval = interval;
  const defaultKey = symbol ? (normalizeSymbol(symbol) ?? symbol) : null;

  return {
    file,
    date: partition.date ?? partition.dt ?? '',
    async estimatedRecords() {
      if (metadata) return Number(metadata.num_rows); // read once, at the column check
      return estimatedCsvRows(storage, entry, { column: columns.indexOf(timeColumn), from: options.from, to: options.to });
    },
    async *batches(): AsyncGenerator<StreamRecord[]> {
      const read = columns.filter((c) => CLEAN_COLUMNS.has(c));
      if (parquet && !archived) {
        const records = parquetCandleRecords(location, {
          uri,
          columns: read,
          timeColumn,
          symbolColumn: SYMBOL_COLUMNS.find((c) => read.includes(c)),
          defaultSymbol: symbol,
          defaultKey,
          headers,
          from: options.from,
          to: options.to,
        });
        try {
          yield* records;
        } catch (e) {
          if (options.onError !== 'skip') throw e;
          options.onSkip?.(`skipped the rest of ${(e as Error).message}`);
        }
        return;
      }
      const rows: AsyncIterable<Row[]> = parquet
        ? readParquetColumnRows(location, { columns: read })
        : readCsvRows(storage.stream(entry.path), uri, { headerless: HEADERLESS_CSV });
      let lastTs = -Infinity;
      try {
        for await (const batch of rows) {
          const records: StreamRecord[] = [];
          for (const { row, rowNumber } of batch) {
            const ts = parseTimestamp(row[timeColumn]);
            if (ts !== null && (ts < options.from || ts >= options.to)) continue;
            if (ts !== null) lastTs = ts;
            const rowSymbol = pick(row, SYMBOL_COLUMNS);
            const key =
              rowSymbol === undefined || rowSymbol === null || rowSymbol === ''
                ? defaultKey
                : (normalizeSymbol(rowSymbol) ?? String(rowSymbol));
            const value = archived ? parseRaw(row.raw) : row;
            // A row whose time cannot be read keeps its place in the file, so Clean rejects it in order.
            records.push({ key, value, timestamp: ts ?? lastTs, headers, position: { source: uri, partition: 0, offset: rowNumber } });
          }
          yield records;
        }
      } catch (e) {
        // A file that breaks midway (truncated, corrupt): what was read stands; the rest is skipped or fatal.
        if (options.onError !== 'skip') throw e;
        options.onSkip?.(`skipped the rest of ${(e as Error).message}`);
      }
    },
  };
}

/** An archived message: its JSON, or the text itself when it is not JSON (Clean rejects it, as live). */
function parseRaw(raw: unknown): unknown {
  try {
    return JSON.parse(String(raw));
  } catch {
    return raw;
  }
}

async function firstLine(storage: Storage, entry: StorageEntry): Promise<string | undefined> {
  const head = new TextDecoder().decode(await storage.read(entry.path, 0, 64 * 1024));
  return head.split(/\r?\n/).find((line) => line.trim() !== '');
}

/** Where a CSV file's time is, and the --from/--to window its rows are read in. */
interface CsvTimeWindow {
  column: number;
  from: number;
  to: number;
}

/**
 * A CSV file's rows in the time window, estimated: the rows from the lines of its first 64 KiB after
 * the first one (a header is half as long as a row: dividing by it made the progress bar's total twice
 * the truth), times the share of the file's time span (first to last row) inside the window.
 */
async function estimatedCsvRows(storage: Storage, entry: StorageEntry, window: CsvTimeWindow): Promise<number> {
  const SAMPLE = 64 * 1024;
  const sample = await storage.read(entry.path, 0, SAMPLE);
  const whole = entry.size <= sample.byteLength;
  const lines = new TextDecoder().decode(sample).split('\n');
  if (!whole) lines.pop(); // cut short by the sample
  const rows = lines.slice(1).filter((line) => line.trim() !== '');
  if (rows.length === 0) return 0;
  const rowBytes = rows.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0) / rows.length;
  const all = whole ? rows.length : Math.round((entry.size - Buffer.byteLength(lines[0]) - 1) / rowBytes);
  if (window.from === -Infinity && window.to === Infinity) return all;
  const tail = whole ? rows : new TextDecoder().decode(await storage.read(entry.path, entry.size - SAMPLE, SAMPLE)).split('\n');
  const time = (line: string | undefined) => parseTimestamp(line?.split(',')[window.column]?.trim().replace(/^"|"$/g, ''));
  const first = time(rows[0]);
  const last = time(tail.findLast((line) => line.trim() !== ''));
  if (first === null || last === null || !(last > first)) return all;
  const inside = Math.min(window.to, last) - Math.max(window.from, first);
  return Math.round(all * Math.min(Math.max(inside / (last - first), 0), 1));
}

async function csvFileColumns(storage: Storage, entry: StorageEntry, uri: string): Promise<string[]> {
  const line = await firstLine(storage, entry);
  if (line === undefined) throw new Error(`${uri}: empty file`);
  return csvColumns(line, uri, HEADERLESS_CSV).columns;
}
