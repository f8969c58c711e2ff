import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PartitionArchive, type ArchivedMessage, type RollStep } from '../../../landing/archive/PartitionArchive.ts';
import { LocalStorage } from '../../../io/storage/LocalStorage.ts';
import { walk, type Storage } from '../../../io/storage/Storage.ts';
import { readParquetRows } from '../../../io/parquet/ParquetRowReader.ts';

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
      for (const { row } of batch)
        rows.push({
          path: entry.path.slice(dir.length + 1),
          offset: row.kafka_offset as number,
          ts: row.ts as number,
          raw: row.raw as string,
        });
    }
  }
  return rows.sort((a, b) => a.offset - b.offset);
}

/**
 * A consumer of one partition: from the committed offset, archive messages, rolling every `every`;
 * `crash` stops the roll after that step, as a kill there would. Returns the committed offset.
 */
async function consume(
  dir: string,
  committed: number,
  until: number,
  every: number,
  crash?: { at: number; step: RollStep },
): Promise<{ committed: number; crashed: boolean }> {
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
      new Set([
        'symbol=BTC-USDT/date=2023-03-01',
        'symbol=BTC-USDT/date=2023-03-02',
        'symbol=ETH-USDT/date=2023-03-01',
        'symbol=ETH-USDT/date=2023-03-02',
      ]),
    );
    for (const r of rows) expect(r.path.split('/')[1]).toBe(`date=${new Date(Math.floor(r.ts / DAY) * DAY).toISOString().slice(0, 10)}`);
    expect(rows[0].path).toMatch(/^symbol=ETH-USDT\/date=2023-03-01\/prices\+3\+0{20}\+0{18}05\.parquet$/);
  });

  it.each<RollStep>(['files', 'ready', 'renames', 'commit'])(
    'killed after the "%s" step of a roll: after recovery no row is missing, none is twice, nothing partial is visible',
    async (step) => {
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
    },
  );
});

describe('PartitionArchive: bad input and failed writes', () => {
  /** A roll stopped right after its marker, as a kill there would leave it; the marker's path. */
  async function stagedRoll(dir: string): Promise<string> {
    await consume(dir, 0, 6, 6, { at: 6, step: 'ready' });
    const [roll] = await storage.list(join(dir, '.staging'));
    return join(roll.path, '_READY');
  }

  it.each([
    ['empty (killed between open and write)', ''],
    ['cut short (a partial upload)', '{"nextOffset":6'],
    ['without its final newline', '{"nextOffset":6}'],
    ['a shorter number', '{"nextOffset":0}\n'],
    ['another offset than the roll name gives', '{"nextOffset":7}\n'],
    ['not a number', 'NaN'],
    ['too big to be a marker', `{"nextOffset":6}\n${' '.repeat(1000)}`],
  ])(
    'treats a _READY marker that is %s as absent: the roll is discarded, no offset is committed, nothing is lost',
    async (what, content) => {
      const dir = join(work, `marker-${what.replace(/\W+/g, '-')}`);
      writeFileSync(await stagedRoll(dir), content);
      const commits: number[] = [];
      await new PartitionArchive(storage, dir, 'prices', 3).recover(async (next) => {
        commits.push(next);
      });
      expect(commits).toEqual([]); // never offset 0: the roll was not completed
      expect(await storage.list(join(dir, '.staging'))).toEqual([]);
      expect(await visibleRows(dir)).toEqual([]);
      // Consumed again from the group's offset (0): every message once.
      await consume(dir, 0, 20, 6);
      expect((await visibleRows(dir)).map((r) => r.offset)).toEqual(messages.map((m) => m.offset));
    },
  );

  it.each([
    ['written by this version', '{"nextOffset":6}\n'],
    ['a bare number (earlier versions)', '6'],
  ])('completes a roll whose marker is valid: %s', async (what, content) => {
    const dir = join(work, `valid-marker-${what.replace(/\W+/g, '-')}`);
    const marker = await stagedRoll(dir);
    expect(readFileSync(marker, 'utf8')).toBe('{"nextOffset":6}\n');
    writeFileSync(marker, content);
    const commits: number[] = [];
    await new PartitionArchive(storage, dir, 'prices', 3).recover(async (next) => {
      commits.push(next);
    });
    expect(commits).toEqual([6]);
    expect((await visibleRows(dir)).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('leaves a staging directory it did not name alone', async () => {
    const dir = join(work, 'foreign');
    const foreign = join(dir, '.staging', 'prices+3+somebody-else');
    mkdirSync(foreign, { recursive: true });
    writeFileSync(join(foreign, '_READY'), '');
    await new PartitionArchive(storage, dir, 'prices', 3).recover(async () => {
      throw new Error('nothing to commit');
    });
    expect(readdirSync(foreign)).toEqual(['_READY']);
  });

  it('refuses a message whose symbol cannot be a partition directory before holding it, and goes on', async () => {
    const dir = join(work, 'long-symbol');
    const archive = new PartitionArchive(storage, dir, 'prices', 3);
    archive.add(messages[0]);
    expect(() => archive.add({ ...messages[1], symbol: `${'A'.repeat(296)}-USDT` })).toThrow(/symbol: 301 bytes long, at most 100/);
    expect(() => archive.add({ ...messages[1], symbol: '../BTC-USDT' })).toThrow(/symbol: "\.\.\/BTC-USDT" has characters/);
    archive.skip(1); // the caller's dead letter
    archive.add(messages[2]);
    let committed = 0;
    await archive.roll(async (next) => {
      committed = next;
    });
    expect(committed).toBe(3);
    expect((await visibleRows(dir)).map((r) => r.offset)).toEqual([0, 2]);
  });

  it('keeps what it held when a roll fails, leaves nothing in staging, and lands it all with the next roll', async () => {
    const dir = join(work, 'failed-roll');
    let failures = 1;
    const flaky: Storage = Object.assign(Object.create(storage) as Storage, {
      write: async (path: string, bytes: Uint8Array) => {
        if (path.endsWith('_READY') && failures-- > 0) throw new Error('ENOSPC: no space left on device');
        return storage.write(path, bytes);
      },
    });
    const archive = new PartitionArchive(flaky, dir, 'prices', 3);
    for (const m of messages.slice(0, 6)) archive.add(m);
    const commits: number[] = [];
    const commit = async (next: number) => {
      commits.push(next);
    };
    await expect(archive.roll(commit)).rejects.toThrow(/ENOSPC/);
    expect(archive.heldMessages).toBe(6);
    expect(await storage.list(join(dir, '.staging'))).toEqual([]);
    // The batch fetched again after the failure (the same offsets), then the next messages.
    for (const m of messages.slice(0, 10)) archive.add(m);
    expect(archive.heldMessages).toBe(10);
    await archive.roll(commit);
    expect(commits).toEqual([10]);
    expect((await visibleRows(dir)).map((r) => r.offset)).toEqual(messages.slice(0, 10).map((m) => m.offset));
  });

  it('completes a roll that failed after its marker with the next roll, in order', async () => {
    const dir = join(work, 'failed-after-marker');
    let failures = 1;
    const commits: number[] = [];
    const archive = new PartitionArchive(storage, dir, 'prices', 3);
    const commit = async (next: number) => {
      if (failures-- > 0) throw new Error('the group coordinator is not available');
      commits.push(next);
    };
    for (const m of messages.slice(0, 6)) archive.add(m);
    await expect(archive.roll(commit)).rejects.toThrow(/coordinator/);
    for (const m of messages.slice(6, 9)) archive.add(m);
    await archive.roll(commit);
    expect(commits).toEqual([6, 9]);
    expect((await visibleRows(dir)).map((r) => r.offset)).toEqual(messages.slice(0, 9).map((m) => m.offset));
    expect(await storage.list(join(dir, '.staging'))).toEqual([]);
  });
});
