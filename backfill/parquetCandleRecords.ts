import type { ColumnChunk, ColumnRow } from '../topology/RecordBatch.ts';
import type { Headers, SourcePosition, StreamRecord } from '../topology/StreamRecord.ts';
import { normalizeSymbol } from '../market/normalizeSymbol.ts';
import { parseTimestamp } from '../market/parseTimestamp.ts';
import { readsPlainCandle } from '../market/exchanges/normalizeCandle.ts';
import { cellValue, readParquetColumns, type ColumnValues } from '../io/parquet/ParquetColumnReader.ts';
import type { ParquetLocation } from '../io/parquet/ParquetRowReader.ts';
import { StringInterner } from '../io/parquet/StringInterner.ts';
import { PLAIN_CANDLE_FIELDS } from '../processors/clean/plainCandleFields.ts';

export interface ParquetCandleOptions {
  uri: string;
  /** The columns to read (lower case), the time column and the symbol column among them (if any). */
  columns: readonly string[];
  timeColumn: string;
  symbolColumn: string | undefined;
  /** The symbol of rows without one (from the path, a flag, the file name), as given and as a key. */
  defaultSymbol: string | undefined;
  defaultKey: string | null;
  headers: Headers;
  from: number;
  to: number;
}

const PRICE_FIELDS = ['open', 'high', 'low', 'close', 'volume'];

/** A row group as read, and what its rows share. */
interface Group extends ColumnChunk {
  readonly entries: readonly [string, ColumnValues][];
  readonly strings: StringInterner;
  readonly uri: string;
  readonly rowStart: number;
  readonly headers: Headers;
}

/**
 * A record that is a row of a Parquet row group: key and time read from the columns, the row object
 * (as readParquetColumnRows builds it) only when something asks for the value: a record path, a dead letter.
 */
class ParquetCandleRow implements ColumnRow {
  readonly chunk: Group;
  readonly index: number;
  readonly key: string | null;
  readonly timestamp: number;
  #value: Record<string, unknown> | undefined;

  constructor(chunk: Group, index: number, key: string | null, timestamp: number) {
    this.chunk = chunk;
    this.index = index;
    this.key = key;
    this.timestamp = timestamp;
  }

  get value(): Record<string, unknown> {
    if (this.#value) return this.#value;
    const row: Record<string, unknown> = {};
    for (const [name, column] of this.chunk.entries) row[name] = cellValue(column, this.index, this.chunk.strings);
    return (this.#value = row);
  }

  get headers(): Headers {
    return this.chunk.headers;
  }

  get position(): SourcePosition {
    return { source: this.chunk.uri, partition: 0, offset: this.chunk.rowStart + this.index + 1 };
  }
}

/**
 * A candle Parquet file's rows as records, one batch per row group, meaning exactly what the rows of
 * readParquetColumnRows made into records mean (the same keys, times, values, positions, and rows
 * outside from/to left out), without a row object each: the records carry the columns Clean's batch
 * path reads (PLAIN_CANDLE_FIELDS), and each symbol is normalized once per distinct value.
 */
export async function* parquetCandleRecords(location: ParquetLocation, o: ParquetCandleOptions): AsyncGenerator<StreamRecord[]> {
  const strings = new StringInterner();
  const defaultPlain = o.defaultSymbol ? normalizeSymbol(o.defaultSymbol) !== null : false;
  /** Per string id: the key of rows with that symbol, and whether it is the normalized symbol (-1: not yet). */
  const keys: (string | null)[] = [];
  let plainKey = new Int8Array(64).fill(-1);
  let lastTs = -Infinity;
  for await (const group of readParquetColumns(location, { columns: o.columns, strings })) {
    const n = group.rows;
    const time = group.columns.get(o.timeColumn)!;
    const symbol = o.symbolColumn === undefined ? undefined : group.columns.get(o.symbolColumn);
    const prices = PRICE_FIELDS.map((f) => group.columns.get(f));
    const numeric = readsPlainCandle([...group.columns.keys()]) && prices.every((c) => c?.kind === 'number');
    const ts = new Float64Array(n);
    const plain = new Int32Array(n);
    const values = prices.map((c) => (numeric && c?.kind === 'number' ? c.values : new Float64Array(n).fill(NaN)));
    const chunk: Group = {
      fields: PLAIN_CANDLE_FIELDS,
      columns: [plain, ts, ...values],
      entries: [...group.columns],
      strings,
      uri: o.uri,
      rowStart: group.rowStart,
      headers: o.headers,
    };
    const records: StreamRecord[] = [];
    for (let r = 0; r < n; r++) {
      const t = parseTimestamp(cellValue(time, r, strings));
      if (t !== null && (t < o.from || t >= o.to)) continue;
      if (t !== null) lastTs = t;
      let key: string | null;
      let symbolPlain: boolean;
      if (symbol?.kind === 'string' && symbol.ids[r] >= 0) {
        const id = symbol.ids[r];
        if (id >= plainKey.length) {
          const grown = new Int8Array(Math.max(id + 1, plainKey.length * 2)).fill(-1);
          grown.set(plainKey);
          plainKey = grown;
        }
        if (plainKey[id] < 0) {
          const [k, p] = keyOf(strings.name(id), o.defaultKey);
          keys[id] = k;
          plainKey[id] = p ? 1 : 0;
        }
        key = keys[id];
        symbolPlain = plainKey[id] === 1;
      } else {
        const v = symbol ? cellValue(symbol, r, strings) : undefined;
        if (v === undefined || v === null) [key, symbolPlain] = [o.defaultKey, defaultPlain];
        else [key, symbolPlain] = keyOf(v, o.defaultKey);
      }
      ts[r] = t ?? NaN;
      plain[r] = numeric && symbolPlain && t !== null ? 1 : 0;
      // A row whose time cannot be read keeps its place in the file, so Clean rejects it in order.
      records.push(new ParquetCandleRow(chunk, r, key, t ?? lastTs));
    }
    yield records;
  }
}

/** A row's symbol → its record key, and whether Clean would read the same symbol from it. */
function keyOf(raw: unknown, defaultKey: string | null): [string | null, boolean] {
  if (raw === '') return [defaultKey, false]; // the key is the default; Clean finds the row's symbol missing
  const symbol = normalizeSymbol(raw);
  return [symbol ?? String(raw), symbol !== null];
}
