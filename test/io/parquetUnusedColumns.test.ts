import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { candleFileInputs } from '../../backfill/candleFileInput.ts';
import type { StreamRecord } from '../../topology/StreamRecord.ts';

const ROWS = 64;
const COMMENT_BYTES = 1_000_000;
let dir: string;
let file: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-pq-unused-'));
  file = join(dir, 'BTCUSDT_1m.parquet');
  // 64 MB of text in a column nobody reads, a few KB on disk: what decoding it costs, reading it would show.
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(
    `COPY (SELECT TIMESTAMP '2024-01-01' + INTERVAL (i) MINUTE AS open_time, 100.0 + i AS open, 101.0 + i AS high, 99.0 + i AS low,
       100.5 + i AS close, 2.0 AS volume, repeat(chr(CAST(65 + i % 26 AS INTEGER)), ${COMMENT_BYTES}) AS comment
     FROM range(${ROWS}) t(i)) TO '${file}' (FORMAT parquet, COMPRESSION ZSTD)`,
  );
  con.closeSync();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('Parquet input', () => {
  it('decodes only the columns a candle is read from, not a large unused one', async () => {
    expect((await stat(file)).size).toBeLessThan(1_000_000);
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const [input] = await candleFileInputs([file], { from: -Infinity, to: Infinity, source: 'prices' });
    const records: StreamRecord[] = [];
    for await (const batch of input.batches()) records.push(...batch);
    globalThis.gc?.();
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    expect(records).toHaveLength(ROWS);
    expect(records[3].value).toEqual({ open_time: Date.UTC(2024, 0, 1, 0, 3), open: 103, high: 104, low: 102, close: 103.5, volume: 2 });
    // The rows are all held here: had the column been decoded, its 64 MB of strings would be too.
    expect(heapGrowth).toBeLessThan((ROWS * COMMENT_BYTES) / 4);
  });
});
