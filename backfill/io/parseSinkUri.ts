import type { OutputWriter } from '../../topology/OutputWriter.ts';
import { JsonlWriter } from './JsonlWriter.ts';
import { ParquetDatasetWriter, type ColumnSpec } from './ParquetDatasetWriter.ts';

const TEXT_COLUMNS = new Set(['symbol', 'interval', 'exchange']);
const INT_COLUMNS = new Set(['ts']);

/**
 * `parquet:DIR`, `jsonl:FILE` or `-` (JSON lines on stdout) → a writer. Parquet needs the columns:
 * symbol, interval and exchange are strings, ts is INT64 epoch ms, the rest are nullable doubles.
 */
export function parseSinkUri(uri: string, columns?: readonly string[]): OutputWriter {
  if (uri === '-') return new JsonlWriter(undefined);
  const colon = uri.indexOf(':');
  const scheme = colon > 0 ? uri.slice(0, colon) : '';
  const path = uri.slice(colon + 1);
  if (scheme === 'jsonl' && path) return new JsonlWriter(path);
  if (scheme === 'parquet' && path) {
    if (!columns) throw new Error(`"${uri}": this output takes JSON lines only (jsonl:FILE or -)`);
    const specs: ColumnSpec[] = columns.map((name) => ({ name, type: TEXT_COLUMNS.has(name) ? 'string' : INT_COLUMNS.has(name) ? 'int64' : 'double' }));
    return new ParquetDatasetWriter(path, specs);
  }
  throw new Error(`cannot write to "${uri}": use parquet:DIR, jsonl:FILE or -`);
}
