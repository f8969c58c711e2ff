import type { Candle } from '../../market/Candle.ts';

const NUMBERS = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;

/**
 * The candles of one partition (symbol, date) on their way to Parquet: one per (exchange, interval,
 * ts), held column by column (about 100 bytes a row, against some 400 as objects in a Map). A row
 * is new (imported in this run) or existing (read back from the dataset); a new row replaces any
 * row of its key, an existing row never replaces one.
 */
export class PartitionRows {
  readonly symbol: string;
  readonly date: string;
  size = 0;
  #columns: Float64Array[] = NUMBERS.map(() => new Float64Array(256));
  #exchange: string[] = [];
  #interval: string[] = [];
  #existing = new Uint8Array(256);
  /** exchange + interval → ts → row. Exports hold one exchange and interval: the inner map is found once per run of rows. */
  readonly #index = new Map<string, Map<number, number>>();
  #lastIndex: Map<number, number> | undefined;
  #names: [string, string] = ['', ''];

  constructor(symbol: string, date: string) {
    this.symbol = symbol;
    this.date = date;
  }

  /** Adds a row; 'replaced' when a row of its key was held (a new row replaces it), 'duplicate' when an existing row met an existing row. */
  add(c: Candle, existing = false): 'added' | 'replaced' | 'kept' | 'duplicate' {
    let index = this.#lastIndex;
    if (!index || c.exchange !== this.#names[0] || c.interval !== this.#names[1]) {
      const series = `${c.exchange}\u0000${c.interval}`;
      index = this.#index.get(series);
      if (!index) this.#index.set(series, (index = new Map()));
      this.#lastIndex = index;
      // One string per series, not one per row.
      this.#names = [c.exchange, c.interval];
    }
    const at = index.get(c.ts);
    if (at !== undefined) {
      if (existing) return this.#existing[at] ? 'duplicate' : 'kept';
      this.#set(at, c, false);
      return 'replaced';
    }
    if (this.size === this.#existing.length) this.#grow();
    index.set(c.ts, this.size);
    this.#set(this.size++, c, existing);
    return 'added';
  }

  /** The rows sorted by ts, then exchange, then interval, each handed to `visit` in `into` (one object, reused). */
  forEachSorted(into: Record<string, unknown>, visit: (row: Record<string, unknown>) => void): void {
    const [ts] = this.#columns;
    const order = Array.from({ length: this.size }, (_, i) => i);
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    order.sort((a, b) => ts[a] - ts[b] || cmp(this.#exchange[a], this.#exchange[b]) || cmp(this.#interval[a], this.#interval[b]));
    for (const i of order) {
      for (let c = 0; c < NUMBERS.length; c++) into[NUMBERS[c]] = this.#columns[c][i];
      into.exchange = this.#exchange[i];
      into.interval = this.#interval[i];
      visit(into);
    }
  }

  #set(at: number, c: Candle, existing: boolean): void {
    const cols = this.#columns;
    cols[0][at] = c.ts;
    cols[1][at] = c.open;
    cols[2][at] = c.high;
    cols[3][at] = c.low;
    cols[4][at] = c.close;
    cols[5][at] = c.volume;
    this.#exchange[at] = this.#names[0];
    this.#interval[at] = this.#names[1];
    this.#existing[at] = existing ? 1 : 0;
  }

  #grow(): void {
    const n = this.#existing.length * 2;
    this.#columns = this.#columns.map((old) => {
      const bigger = new Float64Array(n);
      bigger.set(old);
      return bigger;
    });
    const existing = new Uint8Array(n);
    existing.set(this.#existing);
    this.#existing = existing;
  }
}
