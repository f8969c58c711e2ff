import { walk, type Storage } from '../storage/Storage.ts';
import type { ColumnSpec } from './ColumnBuffer.ts';
import { parquetMetadata } from './ParquetRowReader.ts';
import { storedParquet } from './storedParquet.ts';

/**
 * Refuses to add to a dataset that keeps one of the `columns` typed `timestamp` as a plain INT64
 * (epoch ms, as candlestream wrote time before TIMESTAMP(MILLIS, UTC)): new files beside it would give
 * the column two types, and DuckDB and Spark refuse such a dataset whole. Nothing is converted behind
 * the user's back; `advice` says what to do instead. One visible Parquet file (the first found, hidden
 * directories skipped) stands for the dataset: whoever adds to it refuses to mix, so it is of one
 * type, and the check costs one footer, not one per file.
 */
export async function refuseOlderTimeColumns(storage: Storage, dir: string, columns: readonly ColumnSpec[], advice: string): Promise<void> {
  if (!(await storage.stat(dir))?.directory) return;
  const times = new Set(columns.filter((c) => c.type === 'timestamp').map((c) => c.name));
  const visible = (name: string) => !/^[._]/.test(name);
  for await (const entry of walk(storage, dir, (d) => visible(d.name))) {
    if (!visible(entry.name) || !/\.parquet$/i.test(entry.name)) continue;
    const { schema } = await parquetMetadata(storedParquet(storage, entry));
    const older = schema.find((s) => times.has(s.name) && s.type === 'INT64' && !s.converted_type && !s.logical_type);
    if (!older) return;
    throw new Error(
      `${storage.uri(entry.path)}: ${older.name} is a plain INT64 (written before candlestream's time columns became ` +
        `TIMESTAMP(MILLIS, UTC)); adding files would give it two types, which DuckDB and Spark refuse: ${advice}`,
    );
  }
}
