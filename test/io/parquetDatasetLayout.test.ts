import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureLayout } from '../../io/parquet/DatasetLayout.ts';
import { ParquetDatasetWriter, type ColumnSpec } from '../../io/parquet/ParquetDatasetWriter.ts';
import { storageFor } from '../../io/storage/storageFor.ts';

const RUN = 'abc123def456';
const columns: ColumnSpec[] = [
  { name: 'symbol', type: 'string' },
  { name: 'interval', type: 'string' },
  { name: 'ts', type: 'int64' },
  { name: 'close', type: 'double' },
];
const day = Date.parse('2023-03-01T00:00:00Z');
let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'cs-layout-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Rows as a stream delivers them: in time order, symbols interleaved, around a UTC midnight. */
function rows(interval: string, stepMs: number, count: number) {
  const symbols = ['SOL-USDT', 'BTC-USDT', 'ETH-USDT'];
  const out = [];
  for (let i = 0; i < count; i++)
    for (const [k, symbol] of symbols.entries()) out.push({ symbol, interval, ts: day - 3 * stepMs + i * stepMs, close: i * 10 + k });
  return out;
}

async function writeDataset(path: string, maxRowsPerPart: number, commits: Record<string, unknown>[][]) {
  const { storage } = storageFor(path);
  const writer = new ParquetDatasetWriter(storage, path, columns, featureLayout(maxRowsPerPart));
  await writer.resume(undefined, RUN);
  for (const commit of commits) {
    for (const value of commit) writer.write({ key: value.symbol, value, timestamp: value.ts as number } as never);
    await writer.commit();
  }
  return writer;
}

const files = async (path: string) =>
  (await readdir(path, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(path.length + 1))
    .sort();

describe('the features layout: interval=…/date=…/, symbol a column, sorted, split by size', () => {
  it('writes one part per interval and UTC day per commit, split at the bound, each sorted by (symbol, ts)', async () => {
    const path = join(dir, 'split');
    const oneMinute = rows('1m', 60_000, 6); // 3 minutes before midnight, 3 after: 9 rows on each day
    await writeDataset(path, 4, [oneMinute, rows('1h', 3_600_000, 5)]);
    expect(await files(path)).toEqual(
      [
        '_candlestream.json',
        ...['000', '001', '002'].map((n) => `interval=1m/date=2023-02-28/part-000001-${n}-${RUN}.parquet`),
        ...['000', '001', '002'].map((n) => `interval=1m/date=2023-03-01/part-000001-${n}-${RUN}.parquet`),
        ...['000', '001', '002'].map((n) => `interval=1h/date=2023-02-28/part-000002-${n}-${RUN}.parquet`), // 9 rows
        ...['000', '001'].map((n) => `interval=1h/date=2023-03-01/part-000002-${n}-${RUN}.parquet`), // 6 rows
      ].sort(),
    );
    // The parts of a day, in name order, are its rows sorted by symbol then ts, 4 to a part; interval is in the path only.
    for (const date of ['2023-02-28', '2023-03-01']) {
      const parts = (await files(path)).filter((f) => f.startsWith(`interval=1m/date=${date}/`));
      const read = [];
      for (const part of parts) {
        const got = await parquetReadObjects({ file: await asyncBufferFromFile(join(path, part)) });
        expect(got.length).toBeLessThanOrEqual(4);
        read.push(...got.map((r) => ({ ...r, ts: Number(r.ts) })));
      }
      const expected = oneMinute
        .filter((r) => new Date(r.ts).toISOString().startsWith(date))
        .map(({ symbol, ts, close }) => ({ symbol, ts, close }))
        .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.ts - b.ts));
      expect(read).toEqual(expected);
    }
  });

  it('gives every row group min/max statistics of symbol and ts, which DuckDB reads as one table with the day as a DATE', async () => {
    const path = join(dir, 'stats');
    await writeDataset(path, 1_000, [[...rows('1m', 60_000, 6), ...rows('5m', 300_000, 6)]]);
    const part = (await files(path)).find((f) => f.startsWith('interval=1m/date=2023-03-01/'))!;
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(join(path, part)));
    const stats = (name: string) => meta.row_groups[0].columns.find((c) => c.meta_data?.path_in_schema[0] === name)!.meta_data!.statistics!;
    expect([stats('symbol').min_value, stats('symbol').max_value]).toEqual(['BTC-USDT', 'SOL-USDT']);
    expect([stats('ts').min_value, stats('ts').max_value]).toEqual([BigInt(day), BigInt(day + 2 * 60_000)]);
    expect(meta.schema.map((s) => s.name)).toEqual(['root', 'symbol', 'ts', 'close']);

    const con = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      const relation = `read_parquet('${path}/**/*.parquet', hive_partitioning = true)`;
      const described = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`)).getRowObjectsJson();
      expect(Object.fromEntries(described.map((r) => [r.column_name, r.column_type]))).toEqual({
        symbol: 'VARCHAR',
        ts: 'BIGINT',
        close: 'DOUBLE',
        interval: 'VARCHAR',
        date: 'DATE',
      });
      const counted = await con.runAndReadAll(
        `SELECT "interval", CAST(date AS VARCHAR) AS day, count(*)::INTEGER AS n FROM ${relation} GROUP BY ALL ORDER BY ALL`,
      );
      expect(counted.getRowObjectsJson()).toEqual([
        { interval: '1m', day: '2023-02-28', n: 9 },
        { interval: '1m', day: '2023-03-01', n: 9 },
        { interval: '5m', day: '2023-02-28', n: 9 },
        { interval: '5m', day: '2023-03-01', n: 9 },
      ]);
    } finally {
      con.closeSync();
    }
  });

  it('removes on a fresh start and on resume only its own run’s parts of either layout, never a bucket’s or a foreign file', async () => {
    const path = join(dir, 'owned');
    await writeDataset(path, 4, [rows('1m', 60_000, 2), rows('1m', 60_000, 2)]);
    // Beside them: a part of this run from the layout before, another bucket's part (a shard's, a later step), somebody else's file.
    const old = `interval=1m/symbol=BTC-USDT/part-000003-${RUN}.parquet`;
    const bucket = `interval=1m/date=2023-02-28/part-b1-000003-000-${RUN}.parquet`;
    const foreign = 'interval=1m/date=2023-02-28/part-000003-000.parquet';
    await mkdir(join(path, 'interval=1m/symbol=BTC-USDT'), { recursive: true });
    for (const f of [old, bucket, foreign]) await writeFile(join(path, f), f);

    // Resuming after commit 1 removes commit 2's parts and the old layout's commit 3, keeps the rest.
    const { storage } = storageFor(path);
    const before = await files(path);
    await new ParquetDatasetWriter(storage, path, columns, featureLayout(4), 'append').resume({ run: RUN, seq: 1 });
    const commit2 = before.filter((f) => f.includes('part-000002-'));
    expect(commit2.length).toBeGreaterThan(0);
    expect(await files(path)).toEqual(before.filter((f) => !commit2.includes(f) && f !== old));
    for (const f of [bucket, foreign]) expect(await readFile(join(path, f), 'utf8')).toBe(f);

    // Starting afresh, the same run replaces its own parts; the bucket's and the foreign file stay.
    await new ParquetDatasetWriter(storage, path, columns, featureLayout(4), 'append').resume(undefined, RUN);
    expect(await files(path)).toEqual(['_candlestream.json', bucket, foreign].sort());
  });

  it('refuses to append to a dataset of the layout before (readers refuse mixed partition keys); overwrite replaces it', async () => {
    const path = join(dir, 'old-beside');
    const earlier = 'fedcba987654';
    const old = `interval=1m/symbol=BTC-USDT/part-000001-${earlier}.parquet`;
    await mkdir(join(path, 'interval=1m/symbol=BTC-USDT'), { recursive: true });
    await writeFile(join(path, old), old);
    await writeFile(join(path, '_candlestream.json'), JSON.stringify({ runs: [earlier] }));
    const { storage } = storageFor(path);
    await expect(new ParquetDatasetWriter(storage, path, columns, featureLayout(4), 'append').resume(undefined, RUN)).rejects.toThrow(
      /holds files in another layout \(.*interval=1m\/symbol=BTC-USDT\/part-000001-fedcba987654\.parquet; this sink writes interval=…\/date=…\/\)/,
    );
    expect(await files(path)).toEqual(['_candlestream.json', old].sort());
    await new ParquetDatasetWriter(storage, path, columns, featureLayout(4), 'overwrite').resume(undefined, RUN);
    expect(await files(path)).toEqual(['_candlestream.json']);
  });

  it('gives a resumed writer the same bytes as an uninterrupted one', async () => {
    const commits = [rows('1m', 60_000, 4), rows('1m', 60_000, 4).map((r) => ({ ...r, ts: r.ts + 3_600_000 }))];
    const whole = join(dir, 'whole');
    await writeDataset(whole, 5, commits);
    const broken = join(dir, 'broken');
    // Killed after writing a commit 2 whose checkpoint never landed (other rows: a day later, so other files).
    const lost = commits[1].map((r) => ({ ...r, ts: r.ts + 86_400_000 }));
    await writeDataset(broken, 5, [commits[0], lost]);
    const { storage } = storageFor(broken);
    const resumed = new ParquetDatasetWriter(storage, broken, columns, featureLayout(5));
    await resumed.resume({ run: RUN, seq: 1 });
    for (const value of commits[1]) resumed.write({ key: value.symbol, value, timestamp: value.ts } as never);
    await resumed.commit();
    expect(await files(broken)).toEqual(await files(whole));
    for (const f of await files(whole)) expect(await readFile(join(broken, f)), f).toEqual(await readFile(join(whole, f)));
  });
});
