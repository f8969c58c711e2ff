import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { TopicArchive, type ArchiveDeadLetter, type ConsumedMessage } from '../../../landing/archive/TopicArchive.ts';
import { PartitionArchive } from '../../../landing/archive/PartitionArchive.ts';
import { LocalStorage } from '../../../io/storage/LocalStorage.ts';
import { walk } from '../../../io/storage/Storage.ts';
import { readParquetRows } from '../../../io/parquet/ParquetRowReader.ts';

const work = mkdtempSync(join(tmpdir(), 'topic-archive-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const storage = new LocalStorage();
const T0 = Date.UTC(2024, 0, 1, 23, 58);

function message(offset: number, value: string | null): ConsumedMessage {
  return { key: null, value: value === null ? null : Buffer.from(value), offset: String(offset), timestamp: String(T0 + offset) };
}

const price = (offset: number, symbol = 'BTCUSDT') =>
  message(offset, JSON.stringify({ symbol, ts: T0 + offset * 60_000, close: 100 + offset }));

/** A TopicArchive whose commits, dead letters and consumed offsets are recorded, in the order they happen. */
function archiveIn(dir: string, rollBytes = 1 << 30) {
  const events: string[] = [];
  const deadLetters: ArchiveDeadLetter[] = [];
  const archive = new TopicArchive({
    storage,
    path: dir,
    topic: 'prices',
    rollBytes,
    rollMs: 3_600_000,
    deserialize: (value) => JSON.parse(value!.toString('utf8')),
    commit: async (partition, next) => void events.push(`commit ${partition}:${next}`),
    sendDeadLetters: async (letters) => {
      deadLetters.push(...letters);
      events.push(`dead letters ${letters.map((l) => l.headers.offset).join(',')}`);
    },
    log: pino({ level: 'silent' }),
  });
  const consumed: string[] = [];
  const land = (partition: number, messages: ConsumedMessage[]) => archive.land(partition, messages, (offset) => consumed.push(offset));
  return { archive, events, deadLetters, consumed, land };
}

async function rowsOf(dir: string) {
  const rows: { path: string; offset: number; partition: number }[] = [];
  for await (const entry of walk(storage, dir, (d) => !d.name.startsWith('.'))) {
    for await (const batch of readParquetRows(entry.path)) {
      for (const { row } of batch)
        rows.push({
          path: entry.path.slice(dir.length + 1).replace(/\/[^/]+$/, ''),
          offset: row.kafka_offset as number,
          partition: row.kafka_partition as number,
        });
    }
  }
  return rows.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

describe('TopicArchive', () => {
  it('lands each message by its own symbol and day, and commits the offset after the roll', async () => {
    const dir = join(work, 'lands');
    const { archive, events, consumed, land } = archiveIn(dir);
    await archive.assign([0, 1]);
    await land(0, [price(0), price(1), price(2, 'ETH-USDT'), price(3)]);
    await land(1, [price(0, 'eth/usdt')]);
    expect(events).toEqual([]); // nothing rolled, nothing committed yet
    await archive.rollAll();
    expect(events).toEqual(['commit 0:4', 'commit 1:1']);
    expect(consumed).toEqual(['0', '1', '2', '3', '0']);
    expect(await rowsOf(dir)).toEqual([
      { path: 'symbol=BTC-USDT/date=2024-01-01', offset: 0, partition: 0 },
      { path: 'symbol=BTC-USDT/date=2024-01-01', offset: 1, partition: 0 },
      { path: 'symbol=ETH-USDT/date=2024-01-02', offset: 2, partition: 0 },
      { path: 'symbol=BTC-USDT/date=2024-01-02', offset: 3, partition: 0 },
      { path: 'symbol=ETH-USDT/date=2024-01-01', offset: 0, partition: 1 },
    ]);
  });

  it('dead-letters what it cannot land, with the reason, before the commit that covers it', async () => {
    const dir = join(work, 'dead-letters');
    const { archive, events, deadLetters, land } = archiveIn(dir);
    await archive.assign([0]);
    await land(0, [
      price(0),
      message(1, '{not json'),
      message(2, JSON.stringify({ ts: T0, close: 1 })),
      message(3, JSON.stringify({ symbol: 'BTCUSDT', close: 1 })),
      message(4, null),
      price(5),
    ]);
    expect(deadLetters.map((l) => [l.headers.offset, l.headers.reason.replace(/:.*/s, '')])).toEqual([
      ['1', 'unreadable'],
      ['2', 'missing_field'],
      ['3', 'bad_timestamp'],
      ['4', 'unreadable'],
    ]);
    expect(deadLetters[0]).toMatchObject({
      value: Buffer.from('{not json'),
      headers: { stage: 'archive', topic: 'prices', partition: '0' },
    });
    // Also under Kafka Streams' dead-letter names (KIP-1034).
    expect(deadLetters[0].headers).toMatchObject({
      '__streams.errors.topic': 'prices',
      '__streams.errors.partition': '0',
      '__streams.errors.offset': '1',
      '__streams.errors.message': deadLetters[0].headers.reason,
    });
    await archive.rollAll();
    expect(events).toEqual(['dead letters 1,2,3,4', 'commit 0:6']);
    expect((await rowsOf(dir)).map((r) => r.offset)).toEqual([0, 5]);
  });

  it('rolls when a partition holds --roll-bytes, its dead letters sent first', async () => {
    const dir = join(work, 'by-size');
    const { archive, events, land } = archiveIn(dir, 1);
    await archive.assign([0]);
    await land(0, [price(0), message(1, 'x'), price(2)]);
    expect(events).toEqual(['commit 0:1', 'dead letters 1', 'commit 0:3']);
  });

  it('drops what it holds of a partition that is no longer assigned: the new owner consumes it again', async () => {
    const dir = join(work, 'revoked');
    const { archive, events, land } = archiveIn(dir);
    await archive.assign([0, 1]);
    await land(0, [price(0)]);
    await land(1, [price(0)]);
    await archive.assign([1]);
    await archive.rollAll();
    expect(events).toEqual(['commit 1:1']);
    expect((await rowsOf(dir)).map((r) => r.partition)).toEqual([1]);
  });

  it('completes a roll a crash left ready when the partition is assigned, and skips what that roll landed', async () => {
    const dir = join(work, 'recovered');
    const crashed = new PartitionArchive(storage, dir, 'prices', 0);
    for (let offset = 0; offset < 3; offset++) crashed.add({ symbol: 'BTC-USDT', ts: T0, raw: '{}', offset, timestamp: T0 });
    await crashed.roll(async () => undefined, 'ready'); // killed after the marker: not renamed, not committed

    const { archive, events, consumed, land } = archiveIn(dir);
    await archive.assign([0]);
    expect(events).toEqual(['commit 0:3']);
    await land(0, [price(1), price(2), price(3)]); // fetched again from the old committed offset
    expect(consumed).toEqual(['1', '2', '3']);
    await archive.rollAll();
    expect(events).toEqual(['commit 0:3', 'commit 0:4']);
    expect((await rowsOf(dir)).map((r) => r.offset)).toEqual([0, 1, 2, 3]);
  });
});
