import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readParquetRows } from '../../backfill/io/ParquetRowReader.ts';

export type FeatureRow = Record<string, unknown> & { symbol: string; ts: number };

/**
 * The feature rows of one interval from a features dataset as `backfill --sink parquet:DIR` writes it
 * (`DIR/interval=…/symbol=…/part-….parquet`; partition values come from the path), by symbol, in
 * time order. Files are read one row group at a time; the rows of the interval are kept.
 */
export async function readFeatureRows(dir: string, interval: string): Promise<Map<string, FeatureRow[]>> {
  const bySymbol = new Map<string, FeatureRow[]>();
  for (const { path, partition } of await parquetFiles(dir, {})) {
    if (partition.interval !== undefined && partition.interval !== interval) continue;
    for await (const batch of readParquetRows(path)) {
      for (const { row } of batch) {
        const r = { ...row, ...partition } as FeatureRow;
        if (r.interval !== interval) continue;
        if (typeof r.symbol !== 'string' || typeof r.ts !== 'number') throw new Error(`${path}: a row without symbol or ts; is this a features dataset?`);
        let rows = bySymbol.get(r.symbol);
        if (!rows) bySymbol.set(r.symbol, (rows = []));
        rows.push(r);
      }
    }
  }
  if (!bySymbol.size) throw new Error(`${dir}: no ${interval} feature rows (expected a dataset written by backfill --sink parquet:DIR)`);
  for (const rows of bySymbol.values()) rows.sort((a, b) => a.ts - b.ts);
  return bySymbol;
}

async function parquetFiles(dir: string, partition: Record<string, string>): Promise<{ path: string; partition: Record<string, string> }[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new Error(`--features ${dir}: ${(e as Error).message}`);
  }
  const files = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.') || e.name.startsWith('_')) continue; // temporary and marker files
    const path = join(dir, e.name);
    const hive = /^([^=]+)=(.*)$/.exec(e.name);
    if (e.isDirectory()) files.push(...(await parquetFiles(path, hive ? { ...partition, [hive[1]]: decodeURIComponent(hive[2]) } : partition)));
    else if (e.name.endsWith('.parquet')) files.push({ path, partition });
  }
  return files;
}
