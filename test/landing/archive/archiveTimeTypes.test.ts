import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_COLUMNS, PartitionArchive, type ArchivedMessage } from '../../../landing/archive/PartitionArchive.ts';
import { candleFileInputs } from '../../../backfill/candleFileInput.ts';
import { ColumnBuffer } from '../../../io/parquet/ColumnBuffer.ts';
import { readParquetRows } from '../../../io/parquet/ParquetRowReader.ts';
import { LocalStorage } from '../../../io/storage/LocalStorage.ts';

const root = new URL('../../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'archive-times-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const T0 = Date.UTC(2023, 2, 1, 23, 55);

/** 12 price messages of two symbols crossing midnight, broker timestamps a little after their event time. */
const messages: ArchivedMessage[] = Array.from({ length: 12 }, (_, offset) => {
  const symbol = offset % 2 ? 'BTC-USDT' : 'ETH-USDT';
  const ts = T0 + Math.floor(offset / 2) * 60_000;
  const price = { symbol, ts, open: 100 + offset, high: 101 + offset, low: 99 + offset, close: 100.5 + offset, volume: 2 };
  return { symbol, ts, raw: JSON.stringify(price), offset, timestamp: ts + 1234 };
});

const parquetFiles = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.parquet') && !relative(dir, e.parentPath).startsWith('.'))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();

/** A copy of an archive as it was written before its time columns were TIMESTAMPs: ts and kafka_timestamp plain INT64. */
async function asOlderArchive(from: string, to: string): Promise<void> {
  const older = ARCHIVE_COLUMNS.map((c) => (c.type === 'timestamp' ? { ...c, type: 'int64' as const } : c));
  for (const file of parquetFiles(from)) {
    const buffer = new ColumnBuffer(older);
    for await (const batch of readParquetRows(join(from, file))) for (const { row } of batch) buffer.append(row);
    mkdirSync(dirname(join(to, file)), { recursive: true });
    writeFileSync(join(to, file), buffer.encode());
  }
}

async function duckdb<T>(sql: string): Promise<T[]> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    return (await con.runAndReadAll(sql)).getRowObjectsJson() as T[];
  } finally {
    con.closeSync();
  }
}

const archived = join(work, 'archive');
const older = join(work, 'older');
beforeAll(async () => {
  const archive = new PartitionArchive(new LocalStorage(), archived, 'prices', 0);
  for (const m of messages) archive.add(m);
  await archive.roll(async () => undefined);
  await asOlderArchive(archived, older);
});

describe('archive: time columns as TIMESTAMP(MILLIS, UTC)', () => {
  it('DuckDB reads ts and kafka_timestamp as TIMESTAMPTZ, equal to the messages’ event and broker times', async () => {
    const glob = `${archived}/**/*.parquet`;
    const types = await duckdb<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = false)`,
    );
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      ts: 'TIMESTAMP WITH TIME ZONE',
      raw: 'VARCHAR',
      kafka_partition: 'BIGINT',
      kafka_offset: 'BIGINT',
      kafka_timestamp: 'TIMESTAMP WITH TIME ZONE',
    });
    const rows = await duckdb<{ offset: string; ts: string; broker: string }>(
      `SELECT kafka_offset AS offset, epoch_ms(ts) AS ts, epoch_ms(kafka_timestamp) AS broker FROM read_parquet('${glob}') ORDER BY kafka_offset`,
    );
    expect(rows.map((r) => [Number(r.offset), Number(r.ts), Number(r.broker)])).toEqual(messages.map((m) => [m.offset, m.ts, m.timestamp]));
    // The copy made for the tests below is an archive of the older type.
    const olderTypes = await duckdb<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM read_parquet('${older}/**/*.parquet', hive_partitioning = false)`,
    );
    expect(olderTypes.filter((t) => ['ts', 'kafka_timestamp'].includes(t.column_name)).map((t) => t.column_type)).toEqual([
      'BIGINT',
      'BIGINT',
    ]);
  });

  it('backfill replays an archive of either type as the same records', async () => {
    const replay = async (dir: string) => {
      const records = [];
      for (const input of await candleFileInputs([dir], { from: -Infinity, to: Infinity, source: 'prices' }))
        for await (const batch of input.batches())
          for (const r of batch) records.push({ key: r.key, value: r.value, timestamp: r.timestamp });
      return records.sort((a, b) => a.timestamp - b.timestamp || String(a.key).localeCompare(String(b.key)));
    };
    const now = await replay(archived);
    expect(now).toHaveLength(messages.length);
    expect(now.map((r) => r.timestamp).sort()).toEqual(messages.map((m) => m.ts).sort());
    expect(await replay(older)).toEqual(now);
  });

  it('archive refuses, at start-up and before any broker is asked, an --out of the older type, naming a file; nothing is written', () => {
    const before = parquetFiles(older).map((f) => [f, readFileSync(join(older, f))]);
    const r = spawnSync(process.execPath, ['cli/candlestream.ts', 'archive', '--out', older, '--brokers', '127.0.0.1:1'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /older\/symbol=BTC-USDT\/date=2023-03-01\/prices\+0\+0+\+0+11\.parquet: ts is a plain INT64 .*two types.*: archive to another --out/,
    );
    expect(parquetFiles(older).map((f) => [f, readFileSync(join(older, f))])).toEqual(before);
    expect(readdirSync(older)).toEqual(['symbol=BTC-USDT', 'symbol=ETH-USDT']);
  });
});
