import { ParquetEncoder, type ColumnData } from './ParquetEncoder.ts';

export interface ColumnSpec {
  name: string;
  /** `timestamp`: epoch ms, INT64 annotated TIMESTAMP(MILLIS, isAdjustedToUTC=true). */
  type: 'string' | 'int64' | 'timestamp' | 'double';
}

/**
 * Rows on their way into one Parquet file, held column by column: numbers in growable
 * Float64Arrays (NaN for null), strings in arrays. INT64 columns are not nullable and delta-encoded
 * (times, offsets); doubles are nullable, plain (prices rarely repeat: a dictionary costs more than
 * it saves); strings dictionary-encoded. ParquetEncoder writes them from the arrays (6× less CPU than
 * hyparquet-writer's row values and a BigInt per int64: bench/parquet-writers.ts).
 */
export class ColumnBuffer {
  rows = 0;
  readonly #numeric: ColumnSpec[];
  readonly #text: ColumnSpec[];
  readonly #order: string[];
  #numbers: Float64Array[];
  readonly #strings: (string | null)[][];
  /** #columns() until the next append: a buffer written as several parts builds its columns once. */
  #built: ColumnData[] | undefined;
  /** Characters of text held, for a size estimate. */
  #textLength = 0;

  constructor(columns: readonly ColumnSpec[]) {
    this.#order = columns.map((c) => c.name);
    this.#numeric = columns.filter((c) => c.type !== 'string');
    this.#text = columns.filter((c) => c.type === 'string');
    this.#numbers = this.#numeric.map(() => new Float64Array(1024));
    this.#strings = this.#text.map(() => []);
  }

  /** Roughly how many bytes the rows take (8 per number, 1 per character). */
  get approximateBytes(): number {
    return this.rows * this.#numeric.length * 8 + this.#textLength;
  }

  append(value: Record<string, unknown>): void {
    this.#built = undefined;
    if (this.rows === this.#numbers[0]?.length) this.#grow();
    for (let i = 0; i < this.#numeric.length; i++) {
      const v = value[this.#numeric[i].name];
      // A value of another kind means the column's declared type is wrong: fail loudly rather than write a null.
      if (typeof v !== 'number' && v !== null && v !== undefined) {
        throw new Error(`column "${this.#numeric[i].name}" is ${this.#numeric[i].type} but received ${JSON.stringify(v)}`);
      }
      this.#numbers[i][this.rows] = typeof v === 'number' ? v : NaN;
    }
    for (let i = 0; i < this.#text.length; i++) {
      const v = value[this.#text[i].name];
      const text = v === null || v === undefined ? null : String(v);
      this.#textLength += text?.length ?? 0;
      this.#strings[i].push(text);
    }
    this.rows++;
  }

  /** The rows, or those at `order` in that order (a part of a sorted buffer). */
  encode(rowGroupSize = 100_000, order?: Int32Array): Uint8Array {
    const columns = this.#columns();
    if (!order) return new ParquetEncoder({ rowGroupSize }).encode(columns, this.rows);
    const picked = columns.map((c): ColumnData => {
      if (c.type === 'string') return { ...c, ids: gather(c.ids, order, new Int32Array(order.length)) };
      return { ...c, values: gather(c.values, order, new Float64Array(order.length)) };
    });
    return new ParquetEncoder({ rowGroupSize }).encode(picked, order.length);
  }

  /** Row numbers sorted by a string column (JavaScript string order, nulls first), then a number column, then arrival. */
  sortedBy(text: string, number: string): Int32Array {
    const t = this.#text.findIndex((c) => c.name === text);
    const n = this.#numeric.findIndex((c) => c.name === number);
    if (t < 0 || n < 0) throw new Error(`cannot sort by ${text} and ${number}: not a string and a number column`);
    const strings = this.#strings[t];
    const numbers = this.#numbers[n];
    // Rank each distinct string once, so the comparison is of integers.
    const distinct = [...new Set(strings)].sort((a, b) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
    const rankOf = new Map(distinct.map((s, i) => [s, i]));
    const rank = Int32Array.from(strings, (s) => rankOf.get(s)!);
    const order = new Int32Array(this.rows);
    for (let r = 0; r < this.rows; r++) order[r] = r;
    return order.sort((a, b) => rank[a] - rank[b] || numbers[a] - numbers[b] || a - b);
  }

  #grow(): void {
    this.#numbers = this.#numbers.map((old) => {
      const bigger = new Float64Array(old.length * 2);
      bigger.set(old);
      return bigger;
    });
  }

  /** The columns in their declared order (`symbol, interval, ts, …` as a reader lists them). */
  #columns(): ColumnData[] {
    return (this.#built ??= this.#build());
  }

  #build(): ColumnData[] {
    const numeric = this.#numeric.map((spec, i): ColumnData =>
      spec.type === 'double'
        ? { name: spec.name, type: 'double', values: this.#numbers[i] }
        : { name: spec.name, type: 'int64', values: this.#numbers[i], timestamp: spec.type === 'timestamp' },
    );
    const text = this.#text.map((spec, i): ColumnData => {
      // Strings as ids into the column's distinct values: the encoder writes each distinct one once.
      const idOf = new Map<string, number>();
      const ids = new Int32Array(this.rows);
      const strings = this.#strings[i];
      for (let r = 0; r < this.rows; r++) {
        const text = strings[r];
        if (text === null) {
          ids[r] = -1;
          continue;
        }
        let id = idOf.get(text);
        if (id === undefined) idOf.set(text, (id = idOf.size));
        ids[r] = id;
      }
      return { name: spec.name, type: 'string', ids, names: [...idOf.keys()] };
    });
    return this.#order.map((name) => numeric.find((c) => c.name === name) ?? text.find((c) => c.name === name)!);
  }
}

function gather<T extends Int32Array | Float64Array>(from: T, order: Int32Array, into: T): T {
  for (let i = 0; i < order.length; i++) into[i] = from[order[i]];
  return into;
}
