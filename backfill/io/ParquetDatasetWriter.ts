import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import type { OutputWriter } from '../../topology/OutputWriter.ts';
import type { StreamRecord } from '../../topology/Record.ts';

export interface ColumnSpec {
  name: string;
  type: 'string' | 'int64' | 'double';
}

/** Rows of one partition, held column by column: numbers in growable Float64Arrays, NaN for null. */
class PartitionBuffer {
  rows = 0;
  numbers: Float64Array[];
  strings: (string | null)[][];

  constructor(numeric: number, text: number) {
    this.numbers = Array.from({ length: numeric }, () => new Float64Array(1024));
    this.strings = Array.from({ length: text }, () => []);
  }

  grow(): void {
    this.numbers = this.numbers.map((old) => {
      const bigger = new Float64Array(old.length * 2);
      bigger.set(old);
      return bigger;
    });
  }
}

const PART = /^part-(\d+)\.parquet$/;

/**
 * A Hive-partitioned Parquet dataset, `<dir>/<p1>=<v1>/<p2>=<v2>/part-<commit>.parquet`, as DuckDB,
 * Spark and pyarrow read it. Partition columns live in the path only (the Spark convention).
 * Rows wait in memory until commit; each commit writes one file per partition that received rows,
 * under a temporary name then renamed, so a reader never sees a partial file. Resuming deletes the
 * files of commits after the checkpoint's.
 */
export class ParquetDatasetWriter implements OutputWriter {
  readonly dir: string;
  readonly #partitionBy: readonly string[];
  readonly #numeric: ColumnSpec[];
  readonly #text: ColumnSpec[];
  readonly #buffers = new Map<string, { values: string[]; buffer: PartitionBuffer }>();
  #seq = 0;

  constructor(dir: string, columns: readonly ColumnSpec[], partitionBy: readonly string[] = ['interval', 'symbol']) {
    this.dir = dir;
    this.#partitionBy = partitionBy;
    const data = columns.filter((c) => !partitionBy.includes(c.name));
    this.#numeric = data.filter((c) => c.type !== 'string');
    this.#text = data.filter((c) => c.type === 'string');
  }

  write(record: StreamRecord): void {
    const value = record.value as Record<string, unknown>;
    const values = this.#partitionBy.map((p) => String(value[p]));
    const key = values.join('\u0000');
    let entry = this.#buffers.get(key);
    if (!entry) this.#buffers.set(key, (entry = { values, buffer: new PartitionBuffer(this.#numeric.length, this.#text.length) }));
    const b = entry.buffer;
    if (b.rows === b.numbers[0]?.length) b.grow();
    for (let i = 0; i < this.#numeric.length; i++) {
      const v = value[this.#numeric[i].name];
      b.numbers[i][b.rows] = typeof v === 'number' ? v : NaN;
    }
    for (let i = 0; i < this.#text.length; i++) {
      const v = value[this.#text[i].name];
      b.strings[i].push(v === null || v === undefined ? null : String(v));
    }
    b.rows++;
  }

  async commit(): Promise<{ seq: number }> {
    const seq = this.#seq + 1;
    const name = `part-${String(seq).padStart(6, '0')}.parquet`;
    const pending = [...this.#buffers.values()].filter(({ buffer }) => buffer.rows > 0);
    const written: string[] = [];
    // Encoding is CPU work and writing is I/O: keep a few writes in flight while encoding the next file.
    const inFlight = new Set<Promise<void>>();
    for (const { values, buffer } of pending) {
      const dir = join(this.dir, ...this.#partitionBy.map((p, i) => `${p}=${values[i]}`));
      const path = join(dir, name);
      const bytes = new Uint8Array(parquetWriteBuffer({ columnData: this.#columns(buffer), rowGroupSize: 100_000 }));
      const write = mkdir(dir, { recursive: true }).then(() => writeFile(path + '.tmp', bytes));
      inFlight.add(write);
      write.finally(() => inFlight.delete(write)).catch(() => {});
      if (inFlight.size >= 16) await Promise.race(inFlight);
      written.push(path);
    }
    await Promise.all(inFlight);
    // Rename only once every file of this commit is on disk.
    for (const path of written) await rename(path + '.tmp', path);
    this.#buffers.clear();
    this.#seq = seq;
    return { seq };
  }

  async resume(committed: unknown): Promise<void> {
    this.#buffers.clear();
    this.#seq = (committed as { seq?: number } | undefined)?.seq ?? 0;
    await mkdir(this.dir, { recursive: true });
    for (const entry of await readdir(this.dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const seq = PART.exec(entry.name)?.[1];
      if (entry.name.endsWith('.parquet.tmp') || (seq !== undefined && Number(seq) > this.#seq)) {
        await rm(join(entry.parentPath, entry.name), { force: true });
      }
    }
  }

  async close(): Promise<void> {}

  #columns(b: PartitionBuffer): ColumnSource[] {
    const n = b.rows;
    const columns: ColumnSource[] = [];
    this.#numeric.forEach((spec, i) => {
      const raw = b.numbers[i].subarray(0, n);
      if (spec.type === 'int64') {
        const data = new BigInt64Array(n);
        for (let r = 0; r < n; r++) data[r] = BigInt(raw[r]);
        columns.push({ name: spec.name, data, type: 'INT64', nullable: false, encoding: 'DELTA_BINARY_PACKED' });
      } else {
        const data = Array.from(raw, (v) => (Number.isNaN(v) ? null : v));
        // Prices rarely repeat: skip the dictionary attempt, which costs more than it saves here.
        columns.push({ name: spec.name, data, type: 'DOUBLE', encoding: 'PLAIN' });
      }
    });
    this.#text.forEach((spec, i) => columns.push({ name: spec.name, data: b.strings[i], type: 'STRING' }));
    return columns;
  }
}
