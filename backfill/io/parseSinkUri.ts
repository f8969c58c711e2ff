import type { OutputWriter } from '../../topology/OutputWriter.ts';
import { JsonlWriter } from './JsonlWriter.ts';
import { ParquetDatasetWriter, type ColumnSpec } from './ParquetDatasetWriter.ts';
import { storageFor, type HdfsSettings } from '../storage/storageFor.ts';

const TEXT_COLUMNS = new Set(['symbol', 'interval', 'exchange']);
const INT_COLUMNS = new Set(['ts']);

/**
 * `parquet:DIR` (DIR local or hdfs://…), `jsonl:FILE` or `-` (JSON lines on stdout) → a writer.
 * Parquet needs the columns: symbol, interval and exchange are strings, ts is INT64 epoch ms, the
 * rest are nullable doubles.
 */
export function parseSinkUri(uri: string, columns?: readonly string[], hdfs?: HdfsSettings): OutputWriter {
  if (uri === '-') return new JsonlWriter(undefined);
  const colon = uri.indexOf(':');
  const scheme = colon > 0 ? uri.slice(0, colon) : '';
  const path = uri.slice(colon + 1);
  if (scheme === 'jsonl' && path) return new JsonlWriter(path);
  if (scheme === 'parquet' && path) {
    if (!columns) throw new Error(`"${uri}": this output takes JSON lines only (jsonl:FILE or -)`);
    const specs: ColumnSpec[] = columns.map((name) => ({ name, type: TEXT_COLUMNS.has(name) ? 'string' : INT_COLUMNS.has(name) ? 'int64' : 'double' }));
    const target = storageFor(path, hdfs);
    return new ParquetDatasetWriter(target.storage, target.path, specs);
  }
  throw new Error(`cannot write to "${uri}": use parquet:DIR (a local or hdfs:// directory), jsonl:FILE or -`);
}
