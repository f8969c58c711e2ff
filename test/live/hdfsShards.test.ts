import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { cli } from './processes.ts';
import { writeSyntheticCandles } from '../../bench/syntheticCandles.ts';
import { storageFor } from '../../io/storage/storageFor.ts';
import { walk } from '../../io/storage/Storage.ts';
import { readParquetRows } from '../../io/parquet/ParquetRowReader.ts';
import { storedParquet } from '../../io/parquet/storedParquet.ts';
import { datasetPathValues } from '../../io/parquet/DatasetLayout.ts';

// backfill --tasks I/N with its source and sink on the stack's HDFS (as deploy/backfill-indexed-job.yaml
// runs it): 4 shards, one killed midway and resumed, write the rows one process writes.
const webhdfs = inject('webhdfsUrl');
const base = `/cs-shards-${process.pid}-${Date.now()}`;
const hdfsUri = (path: string) => `hdfs://127.0.0.1:8020${base}${path}`;
const { storage } = storageFor('hdfs://127.0.0.1:8020/', { webhdfs });
const work = `/tmp/cs-hdfs-shards-${process.pid}`;
const SHARDS = 4;

beforeAll(async () => {
  mkdirSync(work, { recursive: true });
  // 40 symbols × 1,600 minutes in import's layout, symbol=…/date=…/, with faults Clean rejects.
  await writeSyntheticCandles(`${work}/clean.parquet`, 40, 1_600);
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  await con.run(`COPY (SELECT symbol, ts, open, high, low, close, CASE WHEN ts % 997 = 0 THEN -1 ELSE volume END AS volume,
                              strftime(make_timestamp(ts * 1000), '%Y-%m-%d') AS date
                       FROM read_parquet('${work}/clean.parquet'))
                 TO '${work}/history' (FORMAT parquet, PARTITION_BY (symbol, date))`);
  for (const relative of readdirSync(`${work}/history`, { recursive: true, encoding: 'utf8' }))
    if (relative.endsWith('.parquet')) await storage.write(`${base}/history/${relative}`, readFileSync(`${work}/history/${relative}`));
}, 120_000);
afterAll(async () => {
  await storage.remove(base);
  rmSync(work, { recursive: true, force: true });
});

const backfill = async (sink: string, deadLetter: string, ...args: string[]) => {
  const r = await cli([
    'backfill',
    '--webhdfs',
    webhdfs,
    '--source',
    hdfsUri('/history'),
    '--sink',
    `parquet:${hdfsUri(sink)}`,
    '--dead-letter',
    `jsonl:${work}/${deadLetter}`,
    '--intervals',
    '1m,1h',
    '--partitions',
    '8',
    '--commit-every',
    '4000',
    ...args,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return r.stderr;
};

/** Every row of a Parquet dataset on HDFS, with its partition values, sorted; and its part files' names. */
async function hdfsDataset(path: string) {
  const rows: string[] = [];
  const names: string[] = [];
  for await (const entry of walk(storage, `${base}${path}`)) {
    names.push(entry.name);
    if (/^[._]/.test(entry.name)) continue;
    const partition = datasetPathValues(entry.path.slice(`${base}${path}/`.length));
    for await (const batch of readParquetRows(storedParquet(storage, entry)))
      for (const { row } of batch) rows.push(JSON.stringify({ ...partition, ...row }));
  }
  return { rows: rows.sort(), names };
}

const lines = (...files: string[]) =>
  files
    .flatMap((f) => readFileSync(`${work}/${f}`, 'utf8').split('\n'))
    .filter(Boolean)
    .sort();

describe('backfill --tasks I/N on HDFS', () => {
  it('4 shards (one killed midway and resumed) write into one HDFS dataset what one process writes', async () => {
    await backfill('/one', 'one-dead.jsonl', '--state-dir', `${work}/state-one`);
    const shard = (i: number, ...more: string[]) =>
      backfill('/shards', 'dead.{shard}.jsonl', '--tasks', `${i}/${SHARDS}`, '--state-dir', `${work}/state-shards`, ...more);
    const stderr = [await shard(0), await shard(1)];
    await shard(2, '--stop-after', '9000');
    const resumed = await shard(2);
    expect(resumed).toMatch(/resumed after 8,000/);
    stderr.push(resumed, await shard(3));
    // Each shard entered only its own symbols' directories.
    for (const text of stderr) expect(text).not.toMatch(/other shards' rows/);

    const one = await hdfsDataset('/one');
    const shards = await hdfsDataset('/shards');
    expect(one.rows.length).toBeGreaterThan(64_000);
    expect(shards.rows.length).toBe(one.rows.length);
    expect(shards.rows).toEqual(one.rows);
    // Each shard's own bucket, one run, no temporary file left.
    const parts = shards.names.filter((n) => n !== '_candlestream.json');
    for (const name of parts) expect(name).toMatch(/^part-b[0-3]-\d{6}-\d{3}-[0-9a-f]{12}\.parquet$/);
    expect(new Set(parts.map((n) => n.slice(0, 7)))).toEqual(new Set(['part-b0', 'part-b1', 'part-b2', 'part-b3']));

    const dead = lines('one-dead.jsonl');
    expect(dead.length).toBeGreaterThan(SHARDS);
    expect(lines(...Array.from({ length: SHARDS }, (_, i) => `dead.shard-${i}-of-${SHARDS}.jsonl`))).toEqual(dead);
  }, 600_000);
});
