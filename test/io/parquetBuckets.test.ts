import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSinkUri } from '../../io/parseSinkUri.ts';
import type { OutputMode, OutputWriter } from '../../io/OutputWriter.ts';

// The shards of one backfill (--tasks I/N) write one dataset, each its own bucket: `part-b<I>-…`.
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const T0 = Date.UTC(2024, 0, 1);
const columns = ['symbol', 'interval', 'ts', 'close'];

/** A writer of `run` (bucket as given) started afresh, having written one row of `symbol` and committed. */
async function writeOne(dir: string, run: string, bucket: number | undefined, symbol: string, mode: OutputMode = 'error') {
  const writer: OutputWriter = parseSinkUri(`parquet:${dir}`, columns, { mode, bucket });
  await writer.check(undefined, run);
  await writer.resume(undefined, run);
  writer.write({ key: symbol, value: { symbol, interval: '1m', ts: T0, close: 1 }, timestamp: T0, headers: {} });
  await writer.commit();
  await writer.close();
}
const parts = async (dir: string) =>
  (await readdir(dir, { recursive: true }))
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => f.split('/').pop()!)
    .sort();

describe('Parquet dataset buckets', () => {
  it("a shard's fresh start or overwrite removes its own bucket's files of the run, never a sibling's", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-buckets-'));
    dirs.push(dir);
    await writeOne(dir, 'aaa111', 0, 'A');
    await writeOne(dir, 'aaa111', 1, 'B'); // not refused: bucket 0's files are its sibling's, not "data this run did not write"
    expect(await parts(dir)).toEqual(['part-b0-000001-000-aaa111.parquet', 'part-b1-000001-000-aaa111.parquet']);
    await writeOne(dir, 'aaa111', 0, 'A'); // shard 0 again: its file replaced, shard 1's kept
    expect(await parts(dir)).toEqual(['part-b0-000001-000-aaa111.parquet', 'part-b1-000001-000-aaa111.parquet']);
    // Another run in overwrite mode replaces the earlier run's files, whatever their bucket; its own shards keep theirs.
    await writeOne(dir, 'bbb222', 0, 'A', 'overwrite');
    expect(await parts(dir)).toEqual(['part-b0-000001-000-bbb222.parquet']);
    await writeOne(dir, 'bbb222', 1, 'B', 'overwrite');
    expect(await parts(dir)).toEqual(['part-b0-000001-000-bbb222.parquet', 'part-b1-000001-000-bbb222.parquet']);
  });

  it('a shard of another run is refused in error mode, as any writer is', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-buckets-'));
    dirs.push(dir);
    await writeOne(dir, 'aaa111', 0, 'A');
    await expect(writeOne(dir, 'ccc333', 1, 'B')).rejects.toThrow(/already holds data this run did not write .*part-b0-000001-000-aaa111/);
  });
});
