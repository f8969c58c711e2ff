import { ParquetEncoder, type ColumnData } from './ParquetEncoder.ts';

export interface ColumnSpec {
  name: string;
  type: 'string' | 'int64' | 'double';
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
  #numbers: Float64Array[];
  readonly #strings: (string | null)[][];
  /** Characters of text held, for a size estimate. */
  #textLength = 0;

  constructor(columns: readonly ColumnSpec[]) {
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

  encode(rowGroupSize = 100_000): Uint8Array {
    return new ParquetEncoder({ rowGroupSize }).encode(this.#columns(), this.rows);
  }

  #grow(): void {
    this.#numbers = this.#numbers.map((old) => {
      const bigger = new Float64Array(old.length * 2);
      bigger.set(old);
      return bigger;
    });
  }

  #columns(): ColumnData[] {
    const columns: ColumnData[] = this.#numeric.map((spec, i) => ({
      name: spec.name,
      type: spec.type === 'int64' ? 'int64' : 'double',
      values: this.#numbers[i],
    }));
    this.#text.forEach((spec, i) => {
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
      columns.push({ name: spec.name, type: 'string', ids, names: [...idOf.keys()] });
    });
    return columns;
  }
}
