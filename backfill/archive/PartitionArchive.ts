import { ColumnBuffer, type ColumnSpec } from '../io/ColumnBuffer.ts';
import type { Storage } from '../storage/Storage.ts';

/** One consumed message, as the archive keeps it. */
export interface ArchivedMessage {
  /** Canonical symbol and event time: the partition path (symbol=…/date=…) and the `ts` column. */
  symbol: string;
  ts: number;
  /** The message value as text, unchanged: a replay reads it as the live service read it. */
  raw: string;
  offset: number;
  /** The broker's timestamp (ms). */
  timestamp: number;
}

export const ARCHIVE_COLUMNS: ColumnSpec[] = [
  { name: 'ts', type: 'int64' },
  { name: 'raw', type: 'string' },
  { name: 'kafka_partition', type: 'int64' },
  { name: 'kafka_offset', type: 'int64' },
  { name: 'kafka_timestamp', type: 'int64' },
];

const STAGING = '.staging';
const READY = '_READY';
const pad = (n: number) => String(n).padStart(20, '0');

/** For crash tests: the step after which a roll stops, as if the process were killed there. */
export type RollStep = 'files' | 'ready' | 'renames' | 'commit';

/**
 * Lands one Kafka partition's messages in a Hive-partitioned Parquet dataset,
 * `<dir>/symbol=S/date=YYYY-MM-DD/<topic>+<partition>+<first offset>+<last offset>.parquet`,
 * rolling when the held data reaches a size or an age. A roll is exactly once: its files are written
 * under `<dir>/.staging/<roll>/`, then a `_READY` marker, then each is renamed into place, then the
 * offset after the roll is committed, then the staging directory goes. After a crash, `recover()`
 * deletes a roll without its marker (its messages are consumed again) and completes one with it.
 * So a file is visible whole or not at all, and no message is in two files. Hidden names (`.staging`)
 * are skipped by backfill, Spark and DuckDB. One writer per partition at a time is assumed (the
 * consumer group gives a partition to one member).
 */
export class PartitionArchive {
  readonly #storage: Storage;
  readonly #dir: string;
  readonly #topic: string;
  readonly #partition: number;
  readonly #buffers = new Map<string, ColumnBuffer>();
  #first: number | undefined;
  #last = -1;
  #since = 0;

  constructor(storage: Storage, dir: string, topic: string, partition: number) {
    this.#storage = storage;
    this.#dir = dir.replace(/\/$/, '');
    this.#topic = topic;
    this.#partition = partition;
  }

  get heldMessages(): number {
    let n = 0;
    for (const b of this.#buffers.values()) n += b.rows;
    return n;
  }

  get heldBytes(): number {
    let n = 0;
    for (const b of this.#buffers.values()) n += b.approximateBytes;
    return n;
  }

  /** Milliseconds since the first message now held arrived (0 when none is held). */
  age(now = Date.now()): number {
    return this.#first === undefined ? 0 : now - this.#since;
  }

  add(m: ArchivedMessage): void {
    if (this.#first === undefined) {
      this.#first = m.offset;
      this.#since = Date.now();
    }
    this.#last = m.offset;
    const path = `symbol=${encodeURIComponent(m.symbol)}/date=${new Date(m.ts).toISOString().slice(0, 10)}`;
    let buffer = this.#buffers.get(path);
    if (!buffer) this.#buffers.set(path, (buffer = new ColumnBuffer(ARCHIVE_COLUMNS)));
    buffer.append({ ts: m.ts, raw: m.raw, kafka_partition: this.#partition, kafka_offset: m.offset, kafka_timestamp: m.timestamp });
  }

  /**
   * Note that `offset` was consumed without a row (a dead letter): it is covered by the next roll,
   * so the committed offset moves past it.
   */
  skip(offset: number): void {
    if (this.#first === undefined) {
      this.#first = offset;
      this.#since = Date.now();
    }
    this.#last = offset;
  }

  /** Write what is held as one roll; `commit(next)` stores the offset to resume from (the consumer group's). */
  async roll(commit: (nextOffset: number) => Promise<void>, stopAfter?: RollStep): Promise<void> {
    if (this.#first === undefined) return;
    const name = `${this.#topic}+${this.#partition}+${pad(this.#first)}+${pad(this.#last)}`;
    const staging = `${this.#dir}/${STAGING}/${name}`;
    const files = [...this.#buffers].map(([path, buffer]) => ({ path, bytes: buffer.encode() }));
    const next = this.#last + 1;
    this.#buffers.clear();
    this.#first = undefined;
    for (const f of files) await this.#storage.write(`${staging}/${f.path}/${name}.parquet`, f.bytes);
    if (stopAfter === 'files') return;
    await this.#storage.write(`${staging}/${READY}`, new TextEncoder().encode(String(next)));
    if (stopAfter === 'ready') return;
    await this.#complete(staging, name, files.map((f) => f.path));
    if (stopAfter === 'renames') return;
    await commit(next);
    if (stopAfter === 'commit') return;
    await this.#storage.remove(staging);
  }

  /**
   * Before consuming the partition: finish or discard the rolls a crash left in staging. Returns
   * the offset to resume from if a completed roll says (commit it), else undefined (use the group's).
   */
  async recover(commit: (nextOffset: number) => Promise<void>): Promise<void> {
    const root = `${this.#dir}/${STAGING}`;
    if (!(await this.#storage.stat(root))) return;
    const prefix = `${this.#topic}+${this.#partition}+`;
    const rolls = (await this.#storage.list(root)).filter((e) => e.directory && e.name.startsWith(prefix));
    for (const roll of rolls) {
      const ready = await this.#storage.stat(`${roll.path}/${READY}`);
      if (!ready) {
        await this.#storage.remove(roll.path); // never visible: its messages are consumed again
        continue;
      }
      const next = Number(new TextDecoder().decode(await this.#storage.read(`${roll.path}/${READY}`, 0, 64)));
      const paths: string[] = [];
      for (const symbol of await this.#storage.list(roll.path)) {
        if (!symbol.directory) continue;
        for (const date of await this.#storage.list(symbol.path)) if (date.directory) paths.push(`${symbol.name}/${date.name}`);
      }
      await this.#complete(roll.path, roll.name, paths);
      await commit(next);
      await this.#storage.remove(roll.path);
    }
  }

  /** Move a ready roll's files into place; those already moved (a crash midway) are left as they are. */
  async #complete(staging: string, name: string, paths: string[]): Promise<void> {
    for (const path of paths) {
      const from = `${staging}/${path}/${name}.parquet`;
      const to = `${this.#dir}/${path}/${name}.parquet`;
      if (await this.#storage.stat(from)) await this.#storage.rename(from, to);
    }
  }
}
