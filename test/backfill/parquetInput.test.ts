import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { BackfillRunner } from '../../backfill/BackfillRunner.ts';
import { candleFileInputs } from '../../backfill/candleFileInput.ts';
import { parseSinkUri } from '../../io/parseSinkUri.ts';
import { DEAD_LETTER } from '../../topology/Topology.ts';
import { buildMarketTopology, defaultMarketOptions } from '../../processors/marketTopology.ts';

const csv = new URL('../../data/candles/binance_BTCUSDT_1m_2023-03-01_2023-03-21.csv', import.meta.url).pathname;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-pq-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function features(source: string, name: string): Promise<string> {
  const out = join(dir, `${name}.jsonl`);
  const writers = new Map([
    ['features', parseSinkUri(`jsonl:${out}`)],
    [DEAD_LETTER, parseSinkUri(`jsonl:${join(dir, `${name}-dead.jsonl`)}`)],
  ]);
  const inputs = await candleFileInputs([source], { symbol: 'BTCUSDT', from: -Infinity, to: Infinity, source: 'prices' });
  await new BackfillRunner({
    topology: buildMarketTopology(defaultMarketOptions()),
    inputs,
    writers,
    partitions: 2,
    stateDir: join(dir, `${name}-state`),
    commitEvery: 50_000,
    fingerprint: name,
  }).run();
  return readFile(out, 'utf8');
}

describe('Parquet input', () => {
  it.each([
    [
      'TIMESTAMP (µs), DECIMAL(18,2) prices, snappy, 10k-row groups',
      `CAST(open_time AS TIMESTAMP) AS open_time, CAST(open AS DECIMAL(18,2)) AS open, CAST(high AS DECIMAL(18,2)) AS high, CAST(low AS DECIMAL(18,2)) AS low, CAST(close AS DECIMAL(18,2)) AS close, volume`,
      'SNAPPY',
    ],
    [
      'TIMESTAMP_MS and DOUBLE, uncompressed',
      `CAST(open_time AS TIMESTAMP_MS) AS open_time, open, high, low, close, volume`,
      'UNCOMPRESSED',
    ],
    ['BIGINT epoch ms, nullable, snappy', `epoch_ms(CAST(open_time AS TIMESTAMP)) AS ts, open, high, low, close, volume`, 'SNAPPY'],
  ])('gives the same features as the CSV it was written from: %s', async (label, select, codec) => {
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const file = join(dir, `${label.replace(/\W+/g, '_')}.parquet`);
    await con.run(
      `COPY (SELECT ${select} FROM read_csv('${csv}', header = true) ORDER BY 1) TO '${file}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 10000)`,
    );
    const groups = Number(
      (await con.runAndReadAll(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('${file}')`)).getRows()[0][0],
    );
    con.closeSync();
    expect(groups).toBeGreaterThan(1);
    const fromParquet = await features(file, `pq-${codec}-${groups}-${label.length}`);
    const fromCsv = await features(csv, `csv-${label.length}`);
    const [a, b] = [fromParquet.split('\n'), fromCsv.split('\n')];
    expect(a.length).toBeGreaterThan(30_000);
    const firstDifference = a.findIndex((line, i) => line !== b[i]);
    expect(firstDifference === -1 ? null : { line: firstDifference, parquet: a[firstDifference], csv: b[firstDifference] }).toBeNull();
    expect(a.length).toBe(b.length);
  });
});
