import { createHash } from 'node:crypto';
import type { Candle } from '../../market/Candle.ts';
import { normalizeCandle } from '../../market/exchanges/normalizeCandle.ts';
import type { OutputWriter } from '../../io/OutputWriter.ts';
import { ParquetDatasetWriter, type ColumnSpec } from '../../io/parquet/ParquetDatasetWriter.ts';
import { hiveLayout } from '../../io/parquet/DatasetLayout.ts';
import { readParquetRows } from '../../io/parquet/ParquetRowReader.ts';
import { storedParquet } from '../../io/parquet/storedParquet.ts';
import { refuseOlderTimeColumns } from '../../io/parquet/refuseOlderTimeColumns.ts';
import type { Storage, StorageEntry } from '../../io/storage/Storage.ts';
import { storageFor, type HdfsSettings } from '../../io/storage/storageFor.ts';
import { canonicalCandle, type CandleDefaults, type Rejection } from './canonicalRow.ts';
import { lineBatches } from '../../io/lineBatches.ts';
import { partitionValueProblem } from '../../io/partitionValue.ts';
import { findExportSources, type ExportSource } from './exportSources.ts';
import { PartitionRows } from './PartitionRows.ts';

/** The landed rows' columns; `symbol` and `date` (the UTC day of ts) are in the path only. */
export const IMPORT_COLUMNS: ColumnSpec[] = [
  { name: 'ts', type: 'timestamp' },
  { name: 'open', type: 'double' },
  { name: 'high', type: 'double' },
  { name: 'low', type: 'double' },
  { name: 'close', type: 'double' },
  { name: 'volume', type: 'double' },
  { name: 'exchange', type: 'string' },
  { name: 'interval', type: 'string' },
];
export const IMPORT_PARTITIONS = ['symbol', 'date'] as const;

export interface ImportOptions {
  /** CSV files, zip archives, directories of them; local or hdfs://. */
  sources: readonly string[];
  /** The dataset's directory, local or hdfs://. */
  out: string;
  hdfs?: HdfsSettings;
  /** For rows without a symbol, exchange or interval column (after the path's Hive values, before the file name's). */
  defaults: CandleDefaults;
  /** Keep candles with from ≤ ts < to. */
  from: number;
  to: number;
  onError: 'fail' | 'skip';
  /**
   * Rejected lines, one value each: {reason, detail, source, line, original}; committed with the data.
   * Started here as the run of this import's job (see importJob), once its sources are known.
   */
  deadLetter: OutputWriter;
  /** Rows held in memory before the partitions they fill are written (default 250,000). */
  commitEvery?: number;
  onProgress?: (done: number, total: number | undefined) => void;
  /** Files skipped (--on-error skip), with the reason. */
  onSkip?: (message: string) => void;
  /** Longest line a CSV may have (default 1 MiB): a longer one is an error naming the file and line. */
  maxLineBytes?: number;
}

export interface ImportSummary {
  /** CSV files read (zip members included) and zip archives among their containers. */
  files: number;
  archives: number;
  skipped: string[];
  /** Data lines read (headers and blank lines not counted). */
  rowsIn: number;
  /** Rows landed by this run. */
  written: number;
  /** Rows that a row of this run with the same exchange, interval and ts replaced (already in the dataset, or earlier in this run). */
  replaced: number;
  /** Rows the dataset held twice (an interrupted run leaves a partition's old and new file), now once. */
  duplicatesRemoved: number;
  /** Rows outside --from/--to, not landed. */
  outside: number;
  /** Rejected rows by reason (they are in the dead-letter output). */
  rejected: Map<string, number>;
  /** Partitions (symbol, date) written. */
  partitions: number;
  /** Rows landed with exchange "unknown" (no exchange column, flag or file name). */
  unknownExchange: number;
  elapsedMs: number;
}

const DAY_MS = 86_400_000;
const partitionDir = (root: string, symbol: string, date: string) => `${root}/symbol=${symbol}/date=${date}`;

/**
 * `candlestream import`: exchange exports → a Hive-partitioned Parquet dataset (symbol=…/date=…) of
 * canonical candles, which backfill --source reads. Every source is checked before anything is
 * written. Rows are held until `commitEvery` of them are, then the partitions they fill (all but the
 * one the current file is still filling) are written; at the end, the rest.
 *
 * Writing a partition merges it: the rows already in it (every visible Parquet file there) and the
 * new ones, one row per (exchange, interval, ts), the newer winning, sorted by ts, written as one new
 * file (hidden name, then renamed) before the files it replaces are removed. So a re-import of the
 * same export changes nothing, an overlapping or corrected export replaces the rows it repeats, and
 * a run that fails midway is completed by running it again.
 */
export async function importExports(options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const commitEvery = options.commitEvery ?? 250_000;
  const { storage, path } = storageFor(options.out, options.hdfs);
  const root = path.replace(/(.)\/+$/, '$1');
  const top = await storage.stat(root);
  if (top && !top.directory) throw new Error(`${storage.uri(root)}: not a directory`);
  // The partitions a run rewrites would say TIMESTAMP, the others INT64: checked before anything is written.
  await refuseOlderTimeColumns(storage, root, IMPORT_COLUMNS, 'import into another --out (backfill --source reads both)');

  const { sources, skipped } = await findExportSources(options.sources, {
    hdfs: options.hdfs,
    defaults: options.defaults,
    onError: options.onError,
    onSkip: options.onSkip,
    maxLineBytes: options.maxLineBytes,
  });
  const summary: ImportSummary = {
    files: sources.length,
    archives: new Set(sources.map((s) => s.archive).filter(Boolean)).size,
    skipped,
    rowsIn: 0,
    written: 0,
    replaced: 0,
    duplicatesRemoved: 0,
    outside: 0,
    rejected: new Map(),
    partitions: 0,
    unknownExchange: 0,
    elapsedMs: 0,
  };
  // A re-run of the same import (after a crash, or not) replaces the dead letters it wrote before, as it does its rows.
  await options.deadLetter.resume(undefined, importJob(sources, options));
  const writer = new ParquetDatasetWriter(storage, root, IMPORT_COLUMNS, hiveLayout(IMPORT_PARTITIONS));
  const held = new Map<string, PartitionRows>();
  const written = new Set<string>();
  let heldRows = 0;

  /** Write the held partitions but `keep`: each merged with what the dataset has there, as one new file. */
  const commit = async (keep?: string) => {
    const chosen = [...held].filter(([key]) => key !== keep).map(([, p]) => p);
    if (!chosen.length) return;
    const replacedFiles = new Map<PartitionRows, StorageEntry[]>();
    await inParallel(chosen, 8, async (p) => {
      const dir = partitionDir(root, p.symbol, p.date);
      await removeTemporaryFiles(storage, dir); // left by a run killed while writing
      const files = await visibleParquetFiles(storage, dir);
      replacedFiles.set(p, files);
      for (const file of files) {
        for await (const batch of readParquetRows(storedParquet(storage, file))) {
          for (const { row, rowNumber } of batch) {
            const result = normalizeCandle(row, { symbol: p.symbol });
            if ('reason' in result)
              throw new Error(
                `${storage.uri(file.path)}: row ${rowNumber} is not a candle (${result.reason}); cannot merge into this partition`,
              );
            const outcome = p.add(result.candle, true);
            if (outcome === 'kept') summary.replaced++;
            else if (outcome === 'duplicate') summary.duplicatesRemoved++;
          }
        }
      }
    });
    // The writer reads each row's fields as it is written: one object serves them all.
    const value: Record<string, unknown> = {};
    const record = { key: null, value, timestamp: 0, headers: {} };
    for (const p of chosen) {
      value.symbol = p.symbol;
      value.date = p.date;
      p.forEachSorted(value, () => writer.write(record));
    }
    const seq = await writer.commit().then(
      (done) => done.seq,
      async (e: unknown) => {
        // The commit's files written before the failure are hidden, but ours to remove: none is left behind.
        await Promise.all(chosen.map((p) => removeTemporaryFiles(storage, partitionDir(root, p.symbol, p.date)).catch(() => undefined)));
        throw e;
      },
    );
    // The writer names a commit's files part-<seq>.parquet; a file of that name was just replaced by the rename.
    const name = `part-${String(seq).padStart(6, '0')}.parquet`;
    for (const p of chosen) {
      for (const file of replacedFiles.get(p)!) if (file.name !== name) await storage.remove(file.path);
      const key = `${p.symbol}\u0000${p.date}`;
      held.delete(key);
      written.add(key);
    }
    heldRows = [...held.values()].reduce((n, p) => n + p.size, 0);
    summary.partitions = written.size;
    await options.deadLetter.commit();
  };

  let bytesTotal = 0;
  for (const s of sources) bytesTotal += s.bytes;
  let bytesBefore = 0;
  let lastProgress = 0;
  const progress = (bytesNow: number) => {
    if (!options.onProgress || summary.rowsIn - lastProgress < 10_000) return;
    lastProgress = summary.rowsIn;
    const read = bytesBefore + bytesNow;
    options.onProgress(
      summary.rowsIn,
      read > 0 && bytesTotal > 0 ? Math.max(summary.rowsIn, Math.round((summary.rowsIn * bytesTotal) / read)) : undefined,
    );
  };

  for (const source of sources) {
    let current: string | undefined;
    let partition: PartitionRows | undefined;
    let lastSymbol: string | undefined;
    let lastDay = NaN;
    try {
      let headerSeen = !source.layout.hasHeader;
      for await (const { lines, firstLine, bytes } of lineBatches(source.open(), { id: source.id, maxLineBytes: options.maxLineBytes })) {
        for (let i = 0; i < lines.length; i++) {
          const line = lines[i];
          if (line.trim() === '') continue;
          if (!headerSeen) {
            headerSeen = true;
            continue;
          }
          summary.rowsIn++;
          const result = partitionable(
            canonicalCandle(firstLine === 1 && i === 0 ? line.replace(/^\uFEFF/, '') : line, source.layout, source.defaults),
          );
          if ('reason' in result) {
            summary.rejected.set(result.reason, (summary.rejected.get(result.reason) ?? 0) + 1);
            options.deadLetter.write({
              key: null,
              value: { reason: result.reason, detail: result.detail, source: source.id, line: firstLine + i, original: line },
              timestamp: 0,
              headers: {},
            });
            continue;
          }
          const candle = result.candle;
          if (candle.ts < options.from || candle.ts >= options.to) {
            summary.outside++;
            continue;
          }
          // Rows come in runs of one symbol and day: the partition is looked up once per run.
          const day = Math.floor(candle.ts / DAY_MS);
          if (candle.symbol !== lastSymbol || day !== lastDay || !partition) {
            lastSymbol = candle.symbol;
            lastDay = day;
            const date = new Date(day * DAY_MS).toISOString().slice(0, 10);
            current = `${candle.symbol}\u0000${date}`;
            partition = held.get(current);
            if (!partition) held.set(current, (partition = new PartitionRows(candle.symbol, date)));
          }
          if (partition.add(candle) === 'replaced') summary.replaced++;
          else heldRows++;
          summary.written++;
          if (candle.exchange === 'unknown') summary.unknownExchange++;
        }
        progress(bytes);
        if (heldRows >= commitEvery) {
          // A failure to write is the output's, never the file's: --on-error skip does not apply to it.
          await commit(current).catch((e: unknown) => {
            throw new OutputFailure(e);
          });
          partition = undefined; // it may have been written and let go
        }
      }
    } catch (e) {
      if (e instanceof OutputFailure) throw e.cause;
      if (options.onError !== 'skip') {
        const landed = written.size ? ` (${written.size} partition(s) were written before it; importing again replaces them)` : '';
        throw new Error(`${(e as Error).message}${landed}`);
      }
      const message = `skipped the rest of ${(e as Error).message} (rows read before it are imported)`;
      summary.skipped.push(message);
      options.onSkip?.(message);
    }
    bytesBefore += source.bytes;
  }
  await commit();
  await options.deadLetter.commit();
  options.onProgress?.(summary.rowsIn, summary.rowsIn);
  summary.elapsedMs = performance.now() - started;
  return summary;
}

/**
 * Names the job an import does: what it reads (each file's name, size and modification time) and how.
 * Not --commit-every: it changes when rows are written, not what is written.
 */
function importJob(sources: readonly ExportSource[], options: ImportOptions): string {
  const { out, from, to, onError, maxLineBytes } = options;
  const read = sources.map((s) => [s.id, s.version, s.defaults]);
  return createHash('sha256')
    .update(JSON.stringify({ out, from: String(from), to: String(to), onError, maxLineBytes, read }))
    .digest('hex')
    .slice(0, 12);
}

class OutputFailure extends Error {
  constructor(cause: unknown) {
    super((cause as Error).message, { cause });
  }
}

/** The Parquet files readers see in a partition directory (none if it does not exist). */
async function visibleParquetFiles(storage: Storage, dir: string): Promise<StorageEntry[]> {
  const entry = await storage.stat(dir);
  if (!entry?.directory) return [];
  return (await storage.list(dir)).filter((e) => !e.directory && /\.parquet$/i.test(e.name) && !/^[._]/.test(e.name));
}

/** A candle whose symbol cannot be a partition directory is a dead letter, never a failed write. */
function partitionable(result: { candle: Candle } | Rejection): { candle: Candle } | Rejection {
  if ('reason' in result) return result;
  const problem = partitionValueProblem(result.candle.symbol);
  return problem ? { reason: 'bad_symbol', detail: `symbol: ${problem}` } : result;
}

/** The hidden files a Parquet commit writes before renaming them (`.part-000001.parquet.tmp`). */
async function removeTemporaryFiles(storage: Storage, dir: string): Promise<void> {
  if (!(await storage.stat(dir))?.directory) return;
  for (const e of await storage.list(dir)) if (!e.directory && /^\.part-\d+\.parquet\.tmp$/.test(e.name)) await storage.remove(e.path);
}

/** `work` on every item, at most `limit` at a time; the first failure is thrown once all have settled. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (e) {
        failures.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length) throw failures[0];
}

export type { ExportSource };
