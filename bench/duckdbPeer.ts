import { DuckDBInstance } from '@duckdb/node-api';

/**
 * The peer: DuckDB computing SMA 14/50, Bollinger (20, 2σ population) and the seed pipeline's simple
 * RSI 14 with SQL window functions over the same rows, Parquet to Parquet. Prints its own figures.
 */
const [input, output] = process.argv.slice(2);
const started = performance.now();
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(`
  COPY (
    WITH deltas AS (
      SELECT *, close - lag(close) OVER w AS delta
      FROM read_parquet('${input}') WINDOW w AS (PARTITION BY symbol ORDER BY ts)
    )
    SELECT symbol, ts, open, high, low, close, volume,
      avg(close) OVER w14 AS sma_14,
      avg(close) OVER w50 AS sma_50,
      avg(close) OVER w20 + 2 * stddev_pop(close) OVER w20 AS bb_upper,
      avg(close) OVER w20 AS bb_middle,
      avg(close) OVER w20 - 2 * stddev_pop(close) OVER w20 AS bb_lower,
      100 * avg(greatest(delta, 0)) OVER w14 / nullif(avg(abs(delta)) OVER w14, 0) AS rsi_14
    FROM deltas
    WINDOW w14 AS (PARTITION BY symbol ORDER BY ts ROWS BETWEEN 13 PRECEDING AND CURRENT ROW),
           w20 AS (PARTITION BY symbol ORDER BY ts ROWS BETWEEN 19 PRECEDING AND CURRENT ROW),
           w50 AS (PARTITION BY symbol ORDER BY ts ROWS BETWEEN 49 PRECEDING AND CURRENT ROW)
  ) TO '${output}' (FORMAT parquet, PARTITION_BY (symbol), OVERWRITE_OR_IGNORE)`);
const rows = Number((await con.runAndReadAll(`SELECT count(*) FROM read_parquet('${output}/**/*.parquet')`)).getRows()[0][0]);
con.closeSync();
console.log(
  JSON.stringify({ seconds: (performance.now() - started) / 1000, rows, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }),
);
