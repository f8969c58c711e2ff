import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_COLUMNS, runYardstick } from '../../bench/columnar-yardstick.ts';
import { writeSyntheticCandles } from '../../bench/syntheticCandles.ts';

const cli = new URL('../../cli/candlestream.ts', import.meta.url).pathname;
const T0 = 1677628800000; // syntheticCandles' first minute
const minute = (m: number) => T0 + m * 60_000;
let dir: string;
let con: DuckDBConnection;
let backfillRows: number;
let deadLetters: Record<string, number>;

/**
 * 20 symbols × 600 minutes, made to need the cleaning: gaps of one and five minutes (filled), an exact
 * duplicate, a price 100× its neighbours (an outlier, then a filled gap) and a negative volume.
 */
async function writeDirtyCandles(path: string) {
  const clean = join(dir, 'clean.parquet');
  await writeSyntheticCandles(clean, 20, 600);
  await con.run(`
    COPY (
      WITH base AS (SELECT * FROM read_parquet('${clean}')),
      kept AS (
        SELECT * FROM base
        WHERE NOT (symbol = 'S0003USDT' AND ts BETWEEN ${minute(100)} AND ${minute(104)})
          AND NOT (symbol = 'S0007USDT' AND ts = ${minute(300)})
          AND NOT (symbol = 'S0005USDT' AND ts = ${minute(200)})
          AND NOT (symbol = 'S0009USDT' AND ts = ${minute(400)})
      ),
      duplicate AS (SELECT * FROM base WHERE symbol = 'S0001USDT' AND ts = ${minute(50)}),
      outlier AS (
        SELECT symbol, ts, open * 100 AS open, high * 100 AS high, low * 100 AS low, close * 100 AS close, volume
        FROM base WHERE symbol = 'S0005USDT' AND ts = ${minute(200)}
      ),
      negative AS (SELECT symbol, ts, open, high, low, close, -volume AS volume FROM base WHERE symbol = 'S0009USDT' AND ts = ${minute(400)})
      SELECT * FROM (SELECT * FROM kept UNION ALL SELECT * FROM duplicate UNION ALL SELECT * FROM outlier UNION ALL SELECT * FROM negative)
      ORDER BY ts, symbol
    ) TO '${path}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 1000)`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-yardstick-'));
  con = await (await DuckDBInstance.create(':memory:')).connect();
  await writeDirtyCandles(join(dir, 'candles.parquet'));
  const r = spawnSync(
    process.execPath,
    [
      cli,
      'backfill',
      '--source',
      join(dir, 'candles.parquet'),
      '--sink',
      `parquet:${join(dir, 'backfill')}`,
      '--dead-letter',
      `jsonl:${join(dir, 'dead-letter.jsonl')}`,
      '--state-dir',
      join(dir, 'state'),
      '--commit-every',
      '3000',
      '--quiet',
    ],
    { encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  backfillRows = Number(
    (await con.runAndReadAll(`SELECT count(*) FROM read_parquet('${join(dir, 'backfill')}/**/*.parquet')`)).getRows()[0][0],
  );
  deadLetters = {};
  for (const line of (await readFile(join(dir, 'dead-letter.jsonl'), 'utf8')).trim().split('\n')) {
    const { reason } = JSON.parse(line) as { reason: string };
    deadLetters[reason] = (deadLetters[reason] ?? 0) + 1;
  }
});
afterAll(async () => {
  con?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

/** Rows in one dataset and not the other, and values that differ at all (nulls equal only to nulls). */
async function differences(ours: string, theirs: string) {
  const read = (d: string) =>
    `(SELECT symbol, interval, ${FEATURE_COLUMNS.join(', ')} FROM read_parquet('${d}/**/*.parquet', hive_partitioning = true))`;
  const values = FEATURE_COLUMNS.filter((c) => c !== 'ts');
  const reader = await con.runAndReadAll(`
    SELECT count(*) AS rows, count(*) - count(a.ts) AS only_backfill, count(*) - count(b.ts) AS only_yardstick,
      ${values.map((c) => `count(*) FILTER (a.${c} IS DISTINCT FROM b.${c}) AS ${c}`).join(', ')}
    FROM ${read(theirs)} a FULL OUTER JOIN ${read(ours)} b USING (symbol, interval, ts)`);
  const [row] = reader.getRowObjectsJson() as Record<string, string>[];
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}

describe('the columnar yardstick', () => {
  it('cleans as the backfill does: the same rejections', async () => {
    expect(deadLetters).toEqual({ duplicate: 1, price_outlier: 1, negative_volume: 1 });
    const summary = await runYardstick({ input: join(dir, 'candles.parquet'), output: join(dir, 'rejections') });
    expect(summary.rejected).toEqual(deadLetters);
    expect(summary.candles).toBe(12_000 - 8 + 3);
  });

  for (const layout of ['interval', 'symbol'] as const) {
    it(`writes the backfill's rows, bit for bit (--layout ${layout}, several commits)`, async () => {
      const output = join(dir, `yardstick-${layout}`);
      const summary = await runYardstick({ input: join(dir, 'candles.parquet'), output, layout, commitEvery: 3000 });
      // 12,000 1m candles, 2,400 5m, 200 1h (10 per symbol), 20 1d; the filled gaps make the 1m rows whole again.
      expect(backfillRows).toBe(14_620);
      expect(summary.rows).toBe(backfillRows);
      const files = Number((await con.runAndReadAll(`SELECT count(*) FROM glob('${output}/**/*.parquet')`)).getRows()[0][0]);
      expect(summary.files).toBe(files);
      // Five commits (four of 3,000 candles, then the end): at most a file per interval, or per interval and symbol.
      expect(files).toBeLessThanOrEqual(5 * 4 * (layout === 'interval' ? 1 : 20));
      const zero = Object.fromEntries(['only_backfill', 'only_yardstick', ...FEATURE_COLUMNS.filter((c) => c !== 'ts')].map((c) => [c, 0]));
      expect(await differences(output, join(dir, 'backfill'))).toEqual({ rows: backfillRows, ...zero });
    });
  }

  it('finds a difference when there is one', async () => {
    const output = join(dir, 'yardstick-changed');
    await runYardstick({ input: join(dir, 'candles.parquet'), output });
    // The same rows with one close nudged by 1e-12 of itself: the comparison must see it.
    const file = join(output, 'interval=1h', 'part-000001.parquet');
    await con.run(`COPY (SELECT * REPLACE (CASE WHEN symbol = 'S0002-USDT' AND epoch_ms(ts) = ${T0} THEN close * (1 + 1e-12) ELSE close END AS close)
      FROM read_parquet('${file}')) TO '${file}.new' (FORMAT parquet)`);
    await rm(file);
    await writeFile(file, await readFile(`${file}.new`));
    await rm(`${file}.new`);
    expect((await differences(output, join(dir, 'backfill'))).close).toBe(1);
  });

  it('writes only into a new or empty directory', async () => {
    await expect(runYardstick({ input: join(dir, 'candles.parquet'), output: dir })).rejects.toThrow(/is not empty/);
  });
});
