import { readParquetRows } from '../../io/parquet/ParquetRowReader.ts';
import { storedParquet } from '../../io/parquet/storedParquet.ts';
import { datasetPathValues } from '../../io/parquet/DatasetLayout.ts';
import { walk, type StorageEntry } from '../../io/storage/Storage.ts';
import { storageFor, type HdfsSettings } from '../../io/storage/storageFor.ts';

export type FeatureRow = Record<string, unknown> & { symbol: string; ts: number };

/**
 * The feature rows of one interval from a features dataset as `backfill --sink parquet:DIR` writes it
 * (`DIR/interval=…/date=…/part-….parquet`, symbol a column, or the older `DIR/interval=…/symbol=…/`;
 * local or hdfs://…; partition values come from the path), by symbol, in time order. Other
 * intervals' directories are not read; files are read one row group at a time.
 */
export async function readFeatureRows(location: string, interval: string, hdfs?: HdfsSettings): Promise<Map<string, FeatureRow[]>> {
  const { storage, path } = storageFor(location, hdfs);
  if (!(await storage.stat(path))) throw new Error(`--features ${location}: no such directory`);
  const bySymbol = new Map<string, FeatureRow[]>();
  const enter = (dir: StorageEntry) =>
    !/^[._]/.test(dir.name) && !(dir.name.startsWith('interval=') && dir.name !== `interval=${interval}`);
  for await (const entry of walk(storage, path, enter)) {
    if (!entry.name.endsWith('.parquet') || /^[._]/.test(entry.name)) continue;
    const partition = datasetPathValues(entry.path.slice(path.length).replace(/^\//, ''));
    const uri = storage.uri(entry.path);
    for await (const batch of readParquetRows(storedParquet(storage, entry))) {
      for (const { row } of batch) {
        const r = { ...row, ...partition } as FeatureRow;
        if (r.interval !== interval) continue;
        if (typeof r.symbol !== 'string' || typeof r.ts !== 'number')
          throw new Error(`${uri}: a row without symbol or ts; is this a features dataset?`);
        let rows = bySymbol.get(r.symbol);
        if (!rows) bySymbol.set(r.symbol, (rows = []));
        rows.push(r);
      }
    }
  }
  if (!bySymbol.size)
    throw new Error(`${location}: no ${interval} feature rows (expected a dataset written by backfill --sink parquet:DIR)`);
  for (const rows of bySymbol.values()) rows.sort((a, b) => a.ts - b.ts);
  return bySymbol;
}
