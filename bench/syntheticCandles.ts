import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Writes `symbols × minutes` synthetic 1m candles (a random walk per symbol, seeded, so every run
 * gets the same rows) to one Parquet file ordered by time then symbol, as an exchange archive would.
 */
export async function writeSyntheticCandles(path: string, symbols: number, minutes: number): Promise<number> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`SELECT setseed(0.42)`);
  await con.run(`
    COPY (
      WITH steps AS (
        SELECT s.i AS sym, m.j AS minute, (random() - 0.5) * 0.002 AS r, random() AS u, random() AS w, random() * 5 AS volume
        FROM range(${symbols}) s(i), range(${minutes}) m(j)
      ), walk AS (
        SELECT sym, minute, u, w, volume,
               (100 + sym) * exp(sum(r) OVER (PARTITION BY sym ORDER BY minute)) AS close
        FROM steps
      ), candles AS (
        SELECT 'S' || lpad(sym::VARCHAR, 4, '0') || 'USDT' AS symbol,
               1677628800000::BIGINT + minute * 60000 AS ts,
               coalesce(lag(close) OVER (PARTITION BY sym ORDER BY minute), close) AS open,
               close, u, w, volume
        FROM walk
      )
      SELECT symbol, ts, open,
             greatest(open, close) * (1 + u * 0.001) AS high,
             least(open, close) * (1 - w * 0.001) AS low,
             close, volume
      FROM candles ORDER BY ts, symbol
    ) TO '${path}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 100000)`);
  con.closeSync();
  return symbols * minutes;
}
