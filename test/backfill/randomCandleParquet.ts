import fc from 'fast-check';
import { parquetWriteBuffer } from 'hyparquet-writer';

/** A candle row as a messy export has them: symbols good, bad, empty or missing; times missing; prices null, NaN, negative, off. */
export interface MessyRow {
  symbol: string | null;
  minute: number | null;
  open: number | null;
  close: number | null;
  volume: number | null;
}

const T0 = Date.UTC(2023, 2, 1);
const price = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: 1, max: 2, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(null, NaN, -1, 0, 80, Infinity) },
);

export const messyRow: fc.Arbitrary<MessyRow> = fc.record({
  symbol: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('BTCUSDT', 'ETH-USDT', 'sol/usdt', 'XRPUSDT') },
    { weight: 1, arbitrary: fc.constantFrom(null, '', 'BTC-PERP', 'no symbol at all, really') },
  ),
  minute: fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 0, max: 300 }) }, { weight: 1, arbitrary: fc.constant(null) }),
  open: price,
  close: price,
  volume: fc.oneof(
    { weight: 8, arbitrary: fc.double({ min: 0, max: 10, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(null, NaN, -1) },
  ),
});

/** Rows in time order per symbol (rows without a time where they fall), as a Parquet file: symbol, ts (epoch ms), OHLCV. */
export function messyParquet(rows: readonly MessyRow[], rowGroupSize: number): Uint8Array {
  const sorted = rows.map((r, i) => ({ r, i })).sort((a, b) => (a.r.minute ?? -1) - (b.r.minute ?? -1) || a.i - b.i);
  const col = <T>(f: (r: MessyRow) => T) => sorted.map(({ r }) => f(r));
  const high = (r: MessyRow) => (r.open === null || r.close === null ? null : Math.max(r.open, r.close) * 1.01);
  const low = (r: MessyRow) => (r.open === null || r.close === null ? null : Math.min(r.open, r.close) * 0.99);
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'symbol', data: col((r) => r.symbol), type: 'STRING' },
        { name: 'ts', data: col((r) => (r.minute === null ? null : BigInt(T0 + r.minute * 60_000))), type: 'INT64' },
        { name: 'open', data: col((r) => r.open), type: 'DOUBLE' },
        { name: 'high', data: col(high), type: 'DOUBLE' },
        { name: 'low', data: col(low), type: 'DOUBLE' },
        { name: 'close', data: col((r) => r.close), type: 'DOUBLE' },
        { name: 'volume', data: col((r) => r.volume), type: 'DOUBLE' },
      ],
      rowGroupSize,
    }),
  );
}
