import { basename, extname } from 'node:path';
import { intervalMs } from '../../market/interval.ts';
import { fileNameHints } from '../../market/exchanges/fileNameHints.ts';
import { hivePartitionValues } from '../../io/hivePartitions.ts';
import { walk, type Storage, type StorageEntry } from '../../io/storage/Storage.ts';
import { storageFor, type HdfsSettings } from '../../io/storage/storageFor.ts';
import { csvLayout, type CandleDefaults, type CsvLayout } from './canonicalRow.ts';
import { lineBatches } from '../../io/lineBatches.ts';
import { openEntry, readZipDirectory, verifyEntry, type ZipEntry } from './zipArchive.ts';

/** One CSV to import: a file, or a member of a zip archive, checked and ready to stream. */
export interface ExportSource {
  /** For messages and dead letters: the file's path or URI; `archive.zip!member.csv` for a zip member. */
  id: string;
  /** The zip archive it is in, if any. */
  archive?: string;
  /** Uncompressed size in bytes (for progress). */
  bytes: number;
  /** The size and modification time of the file it is read from: a changed file is another import. */
  version: string;
  layout: CsvLayout;
  /** What rows without a symbol, exchange or interval column get: from the path, the flags, the file name. */
  defaults: CandleDefaults;
  /** The file's bytes, streamed. */
  open(): AsyncIterable<Uint8Array>;
}

export interface FindOptions {
  hdfs?: HdfsSettings;
  /** Flags: symbol, exchange and interval for rows without them (a path's Hive partition values come first). */
  defaults: CandleDefaults;
  /** A file that cannot be read: stop (default), or skip it, reporting why. */
  onError: 'fail' | 'skip';
  onSkip?: (message: string) => void;
  /** Longest line a CSV may have (default 1 MiB). */
  maxLineBytes?: number;
}

export interface FoundSources {
  sources: ExportSource[];
  /** Files given or found that were skipped (--on-error skip), with the reason. */
  skipped: string[];
}

/**
 * The CSV exports under the given locations (local paths or hdfs:// URIs): a CSV file, a zip archive
 * (each of its `.csv` members), or a directory of them, walked in name order (hidden and `_` names
 * left out). Each is checked before anything is imported: its layout (header, or a known header-less
 * export), a time column and open/high/low/close/volume, and where its symbol comes from.
 */
export async function findExportSources(locations: readonly string[], options: FindOptions): Promise<FoundSources> {
  const found: FoundSources = { sources: [], skipped: [] };
  const failed = (e: unknown) => {
    if (options.onError !== 'skip') throw e;
    const message = `skipped ${(e as Error).message}`;
    found.skipped.push(message);
    options.onSkip?.(message);
  };
  for (const location of locations) {
    const { storage, path } = storageFor(location, options.hdfs);
    const top = await storage.stat(path);
    if (!top) throw new Error(`${location}: no such file or directory`);
    const files: { entry: StorageEntry; partition: Record<string, string> }[] = [];
    if (!top.directory) files.push({ entry: top, partition: {} });
    else {
      for await (const entry of walk(storage, path, (dir) => !/^[._]/.test(dir.name))) {
        if (!/\.(csv|zip)$/i.test(entry.name) || /^[._]/.test(entry.name)) continue;
        files.push({ entry, partition: hivePartitionValues(entry.path.slice(path.length).replace(/^\//, '')) });
      }
      if (!files.length) throw new Error(`${location}: no .csv or .zip files in this directory`);
    }
    for (const { entry, partition } of files) {
      try {
        if (/\.zip$/i.test(entry.name)) found.sources.push(...(await zipSources(storage, entry, partition, options, failed)));
        else found.sources.push(await csvSource(storage, entry, partition, options));
      } catch (e) {
        failed(e);
      }
    }
  }
  return found;
}

async function csvSource(
  storage: Storage,
  entry: StorageEntry,
  partition: Record<string, string>,
  options: FindOptions,
): Promise<ExportSource> {
  const id = storage.uri(entry.path);
  const open = () => storage.stream(entry.path);
  const layout = csvLayout(await firstLine(open(), id, options.maxLineBytes), id);
  const defaults = defaultsFor(partition, options.defaults, entry.name, id);
  if (!layout.symbolColumn && !defaults.symbol)
    throw new Error(`${id}: missing column 'symbol', and neither the path nor the file name names one; pass --symbol`);
  return { id, bytes: entry.size, version: versionOf(entry), layout, defaults, open };
}

/** Every `.csv` member of an archive (folders inside it allowed; macOS `__MACOSX/` and hidden members left out). */
async function zipSources(
  storage: Storage,
  entry: StorageEntry,
  partition: Record<string, string>,
  options: FindOptions,
  failed: (e: unknown) => void,
): Promise<ExportSource[]> {
  const archive = storage.uri(entry.path);
  const members = (await readZipDirectory(storage, entry.path, entry.size)).filter(
    (m) => !m.directory && /\.csv$/i.test(m.name) && !m.name.split('/').some((part) => part === '__MACOSX' || part.startsWith('.')),
  );
  if (!members.length) throw new Error(`${archive}: no .csv member in this zip archive`);
  const sources: ExportSource[] = [];
  for (const member of members) {
    try {
      sources.push(await zipMemberSource(storage, entry, member, partition, options));
    } catch (e) {
      failed(e);
    }
  }
  return sources;
}

async function zipMemberSource(
  storage: Storage,
  entry: StorageEntry,
  member: ZipEntry,
  partition: Record<string, string>,
  options: FindOptions,
): Promise<ExportSource> {
  const archive = storage.uri(entry.path);
  const id = `${archive}!${member.name}`;
  // Inflated once to check its CRC-32 and length before any of its rows is used (its bytes are not kept).
  await verifyEntry(storage, entry.path, member);
  const open = () => openEntry(storage, entry.path, member);
  const layout = csvLayout(await firstLine(open(), id, options.maxLineBytes), id);
  // The member's own name first (BTCUSDT-1m-2024-01.csv), then the archive's.
  const inner = defaultsFor(partition, options.defaults, basename(member.name), id);
  const outer = defaultsFor(partition, options.defaults, entry.name, archive);
  const defaults = {
    symbol: inner.symbol ?? outer.symbol,
    exchange: inner.exchange ?? outer.exchange,
    interval: inner.interval ?? outer.interval,
  };
  if (!layout.symbolColumn && !defaults.symbol)
    throw new Error(`${id}: missing column 'symbol', and neither the path nor the file names name one; pass --symbol`);
  return { id, archive, bytes: member.uncompressedSize, version: versionOf(entry), layout, defaults, open };
}

const versionOf = (entry: StorageEntry) => `${entry.size}:${entry.modifiedMs}`;

/** Hive partition values from the path, then the flags, then what the file name says. */
function defaultsFor(partition: Record<string, string>, flags: CandleDefaults, name: string, id: string): CandleDefaults {
  const hints = fileNameHints(name);
  const interval = partition.interval ?? flags.interval;
  if (interval === undefined) {
    // Binance also exports 1s, 1w and 1mo klines, which the file-name hints do not take for an interval:
    // landing them as the default 1m would be wrong, silently.
    const other = basename(name, extname(name))
      .split(/[_\-\s.]+/)
      .find((t) => /^\d+(s|w|mo)$/i.test(t));
    if (other)
      throw new Error(
        `${id}: the file name says interval "${other}", which candlestream does not handle; pass --interval to import it as another`,
      );
    if (hints.interval) {
      try {
        intervalMs(hints.interval);
      } catch (e) {
        throw new Error(
          `${id}: the file name says interval "${hints.interval}": ${(e as Error).message}; pass --interval to import it as another`,
        );
      }
    }
  }
  return {
    symbol: partition.symbol ?? flags.symbol ?? hints.symbol,
    exchange: partition.exchange ?? flags.exchange ?? hints.exchange,
    interval: partition.interval ?? flags.interval ?? hints.interval,
  };
}

/** The first non-blank line of a stream (reading no further than it). */
async function firstLine(chunks: AsyncIterable<Uint8Array>, id: string, maxLineBytes: number | undefined): Promise<string> {
  for await (const { lines } of lineBatches(chunks, { id, maxLineBytes })) {
    const line = lines.find((l) => l.trim() !== '');
    if (line !== undefined) return line;
  }
  throw new Error(`${id}: empty file`);
}
