import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PartitionArchive, type ArchivedMessage, type RollStep } from '../../backfill/archive/PartitionArchive.ts';
import { LocalStorage } from '../../backfill/storage/LocalStorage.ts';
import { walk } from '../../backfill/storage/Storage.ts';
import { readParquetRows } from '../../backfill/io/ParquetRowReader.ts';

const work = mkdtempSync(join(tmpdir(), 'archive-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const storage = new LocalStorage();
const DAY = 86_400_000;
const T0 = Date.UTC(2023, 2, 1, 23, 55);

/** 20 messages of two symbols crossing midnight: four symbol/date partitions. */
const messages: ArchivedMessage[] = Array.from({ length: 20 }, (_, offset) => {
  const symbol = offset % 2 ? 'BTC-USDT' : 'ETH-USDT';
  const ts = T0 + Math.floor(offset / 2) * 60_000;
  return { symbol, ts, raw: JSON.stringify({ symbol, ts, close: 100 + offset }), offset, timestamp: ts + 5 };
});

/** Every visible row of the dataset (hidden staging files excluded, as readers do). */
async function visibleRows(dir: string) {
  const rows: { path: string; offset: number; ts: number; raw: string }[] = [];
  for await (const entry of walk(storage, dir, (d) => !d.name.startsWith('.'))) {
    for await (const batch of readParquetRows(entry.path)) {
      for (const { row } of batch) rows.push({ path: entry.path.slice(dir.length + 1), offset: row.kafka_offset as number, ts: row.ts as number, raw: row.raw as string });
    }
  }
  return rows.sort((a, b) => a.offset - b.offset);
}

/**
 * A consumer of one partition: from the committed offset, archive messages, rolling every `every`;
 * `crash` stops the roll after that step, as a kill there would. Returns the committed offset.
 */
async function consume(dir: string, committed: number, until: number, every: number, crash?: { at: number; step: RollStep }): Promise<{ committed: number; crashed: boolean }> {
  const archive = new PartitionArchive(storage, dir, 'prices', 3);
  const commit = async (next: number) => {
    committed = next;
  };
  await archive.recover(commit);
  for (let offset = committed; offset < until; offset++) {
    archive.add(messages[offset]);
    if ((offset + 1) % every === 0 || offset === until - 1) {
      if (crash && offset + 1 >= crash.at) {
        await archive.roll(commit, crash.step);
        return { committed, crashed: true };
      }
      await archive.roll(commit);
    }
  }
  return { committed, crashed: false };
}

describe('PartitionArchive: exactly-once rolls', () => {
  it('lands every message once, partitioned by symbol and date, rows in offset order', async () => {
    const dir = join(work, 'plain');
    await consume(dir, 0, 20, 6);
    const rows = await visibleRows(dir);
    expect(rows.map((r) => r.offset)).toEqual(messages.map((m) => m.offset));
    expect(rows.map((r) => r.raw)).toEqual(messages.map((m) => m.raw));
    expect(new Set(rows.map((r) => r.path.split('/').slice(0, 2).join('/')))).toEqual(
      new Set(['symbol=BTC-USDT/date=2023-03-01', 'symbol=BTC-USDT/date=2023-03-02', 'symbol=ETH-USDT/date=2023-03-01', 'symbol=ETH-USDT/date=2023-03-02']),
    );
    for (const r of rows) expect(r.path.split('/')[1]).toBe(`date=${new Date(Math.floor(r.ts / DAY) * DAY).toISOString().slice(0, 10)}`);
    expect(rows[0].path).toMatch(/^symbol=ETH-USDT\/date=2023-03-01\/prices\+3\+0{20}\+0{18}05\.parquet$/);
  });

  it.each<RollStep>(['files', 'ready', 'renames', 'commit'])('killed after the "%s" step of a roll: after recovery no row is missing, none is twice, nothing partial is visible', async (step) => {
    const dir = join(work, `crash-${step}`);
    const first = await consume(dir, 0, 20, 6, { at: 12, step });
    expect(first.crashed).toBe(true);
    // What a reader sees right after the kill: whole rolls only.
    const during = await visibleRows(dir);
    expect(during.map((r) => r.offset)).toEqual(Array.from({ length: step === 'files' || step === 'ready' ? 6 : 12 }, (_, i) => i));
    // A new instance takes over from the committed offset.
    const second = await consume(dir, first.committed, 20, 6);
    expect(second.committed).toBe(20);
    const rows = await visibleRows(dir);
    expect(rows.map((r) => r.offset)).toEqual(messages.map((m) => m.offset));
    expect(await storage.list(join(dir, '.staging'))).toEqual([]);
  });
});
