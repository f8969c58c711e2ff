import { ColumnBuffer, type ColumnSpec } from '../../io/parquet/ColumnBuffer.ts';
import type { Storage } from '../../io/storage/Storage.ts';
import { partitionValueProblem } from '../../io/partitionValue.ts';
import { readyMarker, readyOffset, rollName, rollRange } from './readyMarker.ts';

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
  { name: 'ts', type: 'timestamp' },
  { name: 'raw', type: 'string' },
  { name: 'kafka_partition', type: 'int64' },
  { name: 'kafka_offset', type: 'int64' },
  { name: 'kafka_timestamp', type: 'timestamp' },
];

const STAGING = '.staging';
const READY = '_READY';

/** A roll whose marker is written: its staging directory, name, partition paths and the offset after it. */
interface ReadyRoll {
  staging: string;
  name: string;
  paths: string[];
  next: number;
}

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
  /** A roll marked ready whose files are not all in place, or whose offset is not committed (a failure after its marker). */
  #ready: ReadyRoll | undefined;

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

  /**
   * Holds a message for the next roll. One at or before an offset already held is ignored (a batch
   * fetched again after a failure). A symbol that cannot be a partition directory is an error
   * before anything is held: the caller dead-letters the message (check with `partitionValueProblem`).
   */
  add(m: ArchivedMessage): void {
    const problem = partitionValueProblem(m.symbol);
    if (problem) throw new Error(`symbol: ${problem}`);
    if (m.offset <= this.#last) return;
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
    if (offset <= this.#last) return;
    if (this.#first === undefined) {
      this.#first = offset;
      this.#since = Date.now();
    }
    this.#last = offset;
  }

  /**
   * Write what is held as one roll; `commit(next)` stores the offset to resume from (the consumer
   * group's). What is held is let go only once the roll's marker is written: a roll that fails
   * before it leaves nothing in staging and loses nothing (the next roll writes it all); one that
   * fails after it is completed by the next roll, or by `recover()` after a restart.
   */
  async roll(commit: (nextOffset: number) => Promise<void>, stopAfter?: RollStep): Promise<void> {
    if (this.#ready) await this.#finish(this.#ready, commit);
    if (this.#first === undefined) return;
    const name = rollName(this.#topic, this.#partition, this.#first, this.#last);
    const staging = `${this.#dir}/${STAGING}/${name}`;
    const files = [...this.#buffers].map(([path, buffer]) => ({ path, bytes: buffer.encode() }));
    const next = this.#last + 1;
    try {
      for (const f of files) await this.#storage.write(`${staging}/${f.path}/${name}.parquet`, f.bytes);
      if (stopAfter === 'files') return;
      await this.#storage.write(`${staging}/${READY}`, readyMarker(next));
    } catch (e) {
      // Not marked ready: never visible, ours to remove.
      await this.#storage.remove(staging).catch(() => undefined);
      throw e;
    }
    this.#buffers.clear();
    this.#first = undefined;
    const ready = (this.#ready = { staging, name, paths: files.map((f) => f.path), next });
    if (stopAfter === 'ready') return;
    await this.#finish(ready, commit, stopAfter);
  }

  /** Rename a ready roll's files into place, commit its offset, remove its staging. */
  async #finish(ready: ReadyRoll, commit: (nextOffset: number) => Promise<void>, stopAfter?: RollStep): Promise<void> {
    await this.#complete(ready.staging, ready.name, ready.paths);
    if (stopAfter === 'renames') return;
    await commit(ready.next);
    if (stopAfter === 'commit') return;
    await this.#storage.remove(ready.staging);
    this.#ready = undefined;
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
      const range = rollRange(roll.name, this.#topic, this.#partition);
      if (!range) continue; // not a name this archive writes: not ours to touch
      const next = await readyOffset(this.#storage, `${roll.path}/${READY}`, range);
      if (next === undefined) {
        // No marker, or one a crash or a partial upload left incomplete: the roll never finished
        // being written, nothing of it is visible, and its messages are consumed again.
        await this.#storage.remove(roll.path);
        continue;
      }
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
