import type { Headers, StreamRecord } from './StreamRecord.ts';
import type { SymbolTable } from './SymbolTable.ts';

/** A column: float64 (NaN = null, as ColumnBuffer), int32, or any values. */
export type Column = Float64Array | Int32Array | readonly unknown[];

/**
 * Rows of one source travelling together through the topology. A batch carries its rows as objects
 * (`records`: source records, and what record-at-a-time processors forward) or as columns (native
 * batch processors); `materialize` gives the record a `process()` sees either way. A batch never
 * mixes sources. Batches a task builds are views of pooled arrays: valid until their builder is reset,
 * and their arrays may be longer than `length`.
 */
export interface RecordBatch {
  readonly length: number;
  /** Event time per row, ms. */
  readonly timestamp: Float64Array;
  /** Per row: the source batch's row that caused it; -1 for rows forwarded by a punctuation or a flush. */
  readonly row: Int32Array;
  readonly records?: readonly StreamRecord[];
  /** Columnar rows: the key's SymbolTable id (-1: null key), the fields, headers shared by the batch. */
  readonly key?: Int32Array;
  readonly columns?: Readonly<Record<string, Column>>;
  readonly headers?: Headers;
  /** Absent on source batches. */
  readonly lineage?: Lineage;
}

/**
 * How a processor's output rows came from its input, for dead letters: a record-at-a-time run emits
 * them depth first, which the batch path recovers by sorting on `orderKey`. The source row alone is
 * not enough: a processor may forward a row, reject another part of the same input, forward again.
 */
export interface Lineage {
  /** The producer's input batch; undefined for rows forwarded by a punctuation or a flush. */
  readonly input: RecordBatch | undefined;
  /** The position of the producer among the children of the node that sent it `input`. */
  readonly inputEdge: number;
  /** Per row: the input row being processed when the row was forwarded (-1: none). */
  readonly from: Int32Array;
  /** Per row: the producer's event count (forwards and rejects count together), increasing in call order. */
  readonly seq: Float64Array;
}

/** Columns a source read (a row group, say): `columns[c]` holds field `fields[c]` of each row. */
export interface ColumnChunk {
  readonly fields: readonly string[];
  readonly columns: readonly (Float64Array | Int32Array)[];
}

/** A record that is row `index` of a chunk of columns: a batch of such records carries the columns too. */
export interface ColumnRow extends StreamRecord {
  readonly chunk: ColumnChunk;
  readonly index: number;
}

/**
 * A source batch of records; row i is records[i]. When every record is a row of chunks of the same
 * fields (the same `fields` array), the batch also carries those fields as columns, gathered.
 */
export function batchOfRecords(records: readonly StreamRecord[]): RecordBatch {
  const timestamp = new Float64Array(records.length);
  const row = new Int32Array(records.length);
  for (let i = 0; i < records.length; i++) {
    timestamp[i] = records[i].timestamp;
    row[i] = i;
  }
  const fields = (records[0] as Partial<ColumnRow> | undefined)?.chunk?.fields;
  if (!fields || !records.every((r) => (r as Partial<ColumnRow>).chunk?.fields === fields))
    return { length: records.length, timestamp, row, records };
  const rows = records as readonly ColumnRow[];
  const columns: Record<string, Float64Array | Int32Array> = {};
  fields.forEach((field, c) => {
    const first = rows[0].chunk.columns[c];
    const column = (columns[field] = new (first.constructor as new (n: number) => Float64Array | Int32Array)(rows.length));
    for (let i = 0; i < rows.length; i++) column[i] = rows[i].chunk.columns[c][rows[i].index];
  });
  return { length: records.length, timestamp, row, records, columns };
}

/** One reusable source batch of one record: `process(record)` takes the batch path without allocating. */
export class BatchOfOne implements RecordBatch {
  readonly length = 1;
  readonly timestamp = new Float64Array(1);
  readonly row = new Int32Array(1);
  readonly records: StreamRecord[] = [];

  set(record: StreamRecord): this {
    this.records[0] = record;
    this.timestamp[0] = record.timestamp;
    return this;
  }
}

/** The record `process()` sees for row i: the row object itself, or one rebuilt from the columns. */
export function materialize(batch: RecordBatch, i: number, symbols?: SymbolTable): StreamRecord {
  if (batch.records) return batch.records[i];
  const id = batch.key?.[i] ?? -1;
  if (id >= 0 && !symbols) throw new Error('a columnar batch with keys needs its SymbolTable to materialize');
  const value: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(batch.columns ?? {})) {
    const v = column[i];
    value[field] = column instanceof Float64Array && Number.isNaN(v) ? null : v;
  }
  return { key: id >= 0 ? symbols!.name(id) : null, value, timestamp: batch.timestamp[i], headers: { ...batch.headers } };
}

/**
 * The position of row i in a record-at-a-time run's depth-first order: a list compared
 * lexicographically (`compareOrder`). A processor's event while working on input row i of the batch
 * it got through child edge e has the key orderKey(input, i) ++ [e, seq].
 */
export function orderKey(batch: RecordBatch, i: number): number[] {
  const lineage = batch.lineage;
  if (!lineage) return [batch.row[i]];
  const from = lineage.from[i];
  const key = from < 0 ? [] : [...orderKey(lineage.input!, from), lineage.inputEdge];
  key.push(lineage.seq[i]);
  return key;
}

export function compareOrder(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Collects what a processor forwards to one child into a batch. Its arrays are pooled: `reset` reuses
 * them for the next input, so a steady stream allocates nothing per record but the records themselves.
 */
export class RecordBatchBuilder {
  /** One batch object, updated in place: a drain allocates nothing. */
  readonly #batch: Writable<Omit<RecordBatch, 'lineage'>> & { lineage: Writable<Lineage> };
  /** Beyond the length, records are stale until overwritten; readers stop at the batch's length. */
  readonly #records: StreamRecord[] = [];

  constructor() {
    const lineage: Writable<Lineage> = { input: undefined, inputEdge: 0, from: new Int32Array(16), seq: new Float64Array(16) };
    this.#batch = { length: 0, timestamp: new Float64Array(16), row: new Int32Array(16), records: this.#records, lineage };
  }

  get length(): number {
    return this.#batch.length;
  }

  /** Start a new batch of rows derived from `input` (undefined: from a punctuation or a flush). */
  reset(input: RecordBatch | undefined, inputEdge: number): void {
    this.#batch.length = 0;
    this.#batch.lineage.input = input;
    this.#batch.lineage.inputEdge = inputEdge;
  }

  append(record: StreamRecord, row: number, from: number, seq: number): void {
    const b = this.#batch;
    if (b.length === b.timestamp.length) this.#grow();
    const n = b.length++;
    b.timestamp[n] = record.timestamp;
    b.row[n] = row;
    b.lineage.from[n] = from;
    b.lineage.seq[n] = seq;
    this.#records[n] = record;
  }

  /** The rows appended since `reset`: a view, valid until the next `reset`. */
  build(): RecordBatch {
    return this.#batch;
  }

  #grow(): void {
    const grow = <A extends Float64Array | Int32Array>(a: A): A => {
      const bigger = new (a.constructor as new (n: number) => A)(a.length * 2);
      bigger.set(a);
      return bigger;
    };
    const b = this.#batch;
    b.timestamp = grow(b.timestamp);
    b.row = grow(b.row);
    b.lineage.from = grow(b.lineage.from);
    b.lineage.seq = grow(b.lineage.seq);
  }
}

/** Rows [lo, hi) of a source batch, keeping their `row` numbers. */
export function sliceRows(batch: RecordBatch, lo: number, hi: number): RecordBatch {
  if (batch.lineage) throw new Error('only a source batch is sliced: derived rows point into their input by index');
  const columns: Record<string, Column> = {};
  for (const [field, c] of Object.entries(batch.columns ?? {}))
    columns[field] = c instanceof Float64Array || c instanceof Int32Array ? c.subarray(lo, hi) : c.slice(lo, hi);
  return {
    length: hi - lo,
    timestamp: batch.timestamp.subarray(lo, hi),
    row: batch.row.subarray(lo, hi),
    records: batch.records?.slice(lo, hi),
    key: batch.key?.subarray(lo, hi),
    columns: batch.columns && columns,
    headers: batch.headers,
  };
}
