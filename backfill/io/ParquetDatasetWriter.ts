import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import type { OutputWriter } from '../../topology/OutputWriter.ts';
import type { StreamRecord } from '../../topology/Record.ts';
import { walk, type Storage } from '../storage/Storage.ts';

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
  readonly #numeric: ColumnSpec[];
  readonly #text: ColumnSpec[];
  readonly #buffers = new Map<string, { values: string[]; buffer: PartitionBuffer }>();
  #seq = 0;

  constructor(storage: Storage, dir: string, columns: readonly ColumnSpec[], partitionBy: readonly string[] = ['interval', 'symbol']) {
    this.#storage = storage;
    this.dir = dir.replace(/\/$/, '');
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
      const dir = [this.dir, ...this.#partitionBy.map((p, i) => `${p}=${values[i]}`)].join('/');
      const bytes = new Uint8Array(parquetWriteBuffer({ columnData: this.#columns(buffer), rowGroupSize: 100_000 }));
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
