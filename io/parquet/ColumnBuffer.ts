import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';

export interface ColumnSpec {
  name: string;
  type: 'string' | 'int64' | 'double';
}

/**
 * Rows on their way into one Parquet file, held column by column: numbers in growable
 * Float64Arrays (NaN for null), strings in arrays. INT64 columns are not nullable and delta-encoded
 * (times, offsets); doubles are nullable, plain (prices rarely repeat: a dictionary costs more than
 * it saves); strings take hyparquet-writer's default encoding.
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
    return new Uint8Array(parquetWriteBuffer({ columnData: this.#columns(), rowGroupSize }));
  }

  #grow(): void {
    this.#numbers = this.#numbers.map((old) => {
      const bigger = new Float64Array(old.length * 2);
      bigger.set(old);
      return bigger;
    });
  }

  #columns(): ColumnSource[] {
    const n = this.rows;
    const columns: ColumnSource[] = [];
    this.#numeric.forEach((spec, i) => {
      const raw = this.#numbers[i].subarray(0, n);
      if (spec.type === 'int64') {
        const data = new BigInt64Array(n);
        for (let r = 0; r < n; r++) data[r] = BigInt(raw[r]);
        columns.push({ name: spec.name, data, type: 'INT64', nullable: false, encoding: 'DELTA_BINARY_PACKED' });
      } else {
        columns.push({ name: spec.name, data: Array.from(raw, (v) => (Number.isNaN(v) ? null : v)), type: 'DOUBLE', encoding: 'PLAIN' });
      }
    });
    this.#text.forEach((spec, i) => columns.push({ name: spec.name, data: this.#strings[i], type: 'STRING' }));
    return columns;
  }
}
