import type { OutputWriter } from '../../topology/OutputWriter.ts';
import type { StreamRecord } from '../../topology/Record.ts';
import { walk, type Storage } from '../storage/Storage.ts';

import { ColumnBuffer, type ColumnSpec } from './ColumnBuffer.ts';

export type { ColumnSpec };

const PART = /^part-(\d+)\.parquet$/;
/** Hidden while written: Spark, Hive and DuckDB's globs skip names starting with a dot. */
const temporary = (name: string) => `.${name}.tmp`;

/**
 * A Hive-partitioned Parquet dataset, `<dir>/<p1>=<v1>/<p2>=<v2>/part-<commit>.parquet`, as DuckDB,
 * Spark and pyarrow read it, on local disk or HDFS. Partition columns live in the path only (the
 * Spark convention). Rows wait in memory until commit; each commit writes one file per partition
 * that received rows, under a hidden temporary name, and renames them once all are written, so a
 * reader never sees a partial file. Resuming deletes the files of commits after the checkpoint's.
 */
export class ParquetDatasetWriter implements OutputWriter {
  readonly dir: string;
  readonly #storage: Storage;
  readonly #partitionBy: readonly string[];
  readonly #columns: ColumnSpec[];
  readonly #buffers = new Map<string, { values: string[]; buffer: ColumnBuffer }>();
  #seq = 0;

  constructor(storage: Storage, dir: string, columns: readonly ColumnSpec[], partitionBy: readonly string[] = ['interval', 'symbol']) {
    this.#storage = storage;
    this.dir = dir.replace(/\/$/, '');
    this.#partitionBy = partitionBy;
    this.#columns = columns.filter((c) => !partitionBy.includes(c.name));
  }

  write(record: StreamRecord): void {
    const value = record.value as Record<string, unknown>;
    const values = this.#partitionBy.map((p) => String(value[p]));
    const key = values.join('\u0000');
    let entry = this.#buffers.get(key);
    if (!entry) this.#buffers.set(key, (entry = { values, buffer: new ColumnBuffer(this.#columns) }));
    entry.buffer.append(value);
  }

  async commit(): Promise<{ seq: number }> {
    const seq = this.#seq + 1;
    const name = `part-${String(seq).padStart(6, '0')}.parquet`;
    const pending = [...this.#buffers.values()].filter(({ buffer }) => buffer.rows > 0);
    const written: string[] = [];
    // Encoding is CPU work and writing is I/O: keep a few writes in flight while encoding the next file.
    const inFlight = new Set<Promise<void>>();
    for (const { values, buffer } of pending) {
      const dir = [this.dir, ...this.#partitionBy.map((p, i) => `${p}=${values[i]}`)].join('/');
      const bytes = buffer.encode();
      const write = this.#storage.write(`${dir}/${temporary(name)}`, bytes);
      inFlight.add(write);
      write.finally(() => inFlight.delete(write)).catch(() => {});
      if (inFlight.size >= 16) await Promise.race(inFlight);
      written.push(dir);
    }
    await Promise.all(inFlight);
    // Rename only once every file of this commit is written.
    for (const dir of written) await this.#storage.rename(`${dir}/${temporary(name)}`, `${dir}/${name}`);
    this.#buffers.clear();
    this.#seq = seq;
    return { seq };
  }

  async resume(committed: unknown): Promise<void> {
    this.#buffers.clear();
    this.#seq = (committed as { seq?: number } | undefined)?.seq ?? 0;
    if (!(await this.#storage.stat(this.dir))) return;
    for await (const entry of walk(this.#storage, this.dir)) {
      const seq = PART.exec(entry.name)?.[1];
      if (entry.name.endsWith('.parquet.tmp') || (seq !== undefined && Number(seq) > this.#seq)) await this.#storage.remove(entry.path);
    }
  }

  async close(): Promise<void> {}
}
