import type { OutputMode, OutputWriter } from './OutputWriter.ts';
import { JsonlWriter } from './JsonlWriter.ts';
import { ParquetDatasetWriter, type ColumnSpec } from './parquet/ParquetDatasetWriter.ts';
import { storageFor, type HdfsSettings } from './storage/storageFor.ts';

const TEXT_COLUMNS = new Set(['symbol', 'interval', 'exchange']);
const TIME_COLUMNS = new Set(['ts']);

export interface SinkOptions {
  hdfs?: HdfsSettings;
  /** What a fresh start does with what the location already holds (default error). */
  mode?: OutputMode;
  /** A Parquet sink's bucket: the shard index of a backfill --tasks I/N, whose files it names and owns. */
  bucket?: number;
}

/** Where a sink URI writes: a Parquet dataset or a JSONL file at `location`, or stdout (no location). */
export interface SinkTarget {
  format: 'parquet' | 'jsonl';
  location?: string;
}

/** `parquet:DIR` (DIR local or hdfs://…), `jsonl:FILE` or `-` (JSON lines on stdout); throws on anything else. */
export function sinkTarget(uri: string): SinkTarget {
  if (uri === '-') return { format: 'jsonl' };
  const colon = uri.indexOf(':');
  const scheme = colon > 0 ? uri.slice(0, colon) : '';
  const location = uri.slice(colon + 1);
  if ((scheme === 'jsonl' || scheme === 'parquet') && location) return { format: scheme, location };
  throw new Error(`cannot write to "${uri}": use parquet:DIR (a local or hdfs:// directory), jsonl:FILE or -`);
}

/**
 * A sink URI (see sinkTarget) → a writer. Parquet needs the columns, each a spec or a feature
 * column's name: symbol, interval and exchange are strings, ts a TIMESTAMP (millisecond, UTC), the
 * rest nullable doubles.
 */
export function parseSinkUri(uri: string, columns?: readonly (string | ColumnSpec)[], options: SinkOptions = {}): OutputWriter {
  const { format, location } = sinkTarget(uri);
  if (format === 'jsonl') return new JsonlWriter(location, options.mode);
  if (!columns) throw new Error(`"${uri}": this output takes JSON lines only (jsonl:FILE or -)`);
  const featureType = (name: string) => (TEXT_COLUMNS.has(name) ? 'string' : TIME_COLUMNS.has(name) ? 'timestamp' : 'double');
  const specs = columns.map((c): ColumnSpec => (typeof c === 'string' ? { name: c, type: featureType(c) } : c));
  const target = storageFor(location!, options.hdfs);
  return new ParquetDatasetWriter(target.storage, target.path, specs, undefined, options.mode, options.bucket);
}
