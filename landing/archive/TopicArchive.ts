import type { Logger } from 'pino';
import { partitionValueProblem } from '../../io/partitionValue.ts';
import type { Storage } from '../../io/storage/Storage.ts';
import { deadLetterHeaders } from '../../market/deadLetterHeaders.ts';
import { priceEventTime } from '../../market/exchanges/eventTime.ts';
import { priceKey, priceKeyRejection } from '../../market/exchanges/priceKey.ts';
import { PartitionArchive } from './PartitionArchive.ts';

/** A consumed message, as the consumer hands it over (kafkajs' KafkaMessage has this shape). */
export interface ConsumedMessage {
  key: Buffer | null;
  value: Buffer | null;
  offset: string;
  timestamp: string;
}

/** A message the archive could not land: its original bytes, and why in its headers. */
export interface ArchiveDeadLetter {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface TopicArchiveOptions {
  storage: Storage;
  /** The dataset's directory in `storage`. */
  path: string;
  topic: string;
  rollBytes: number;
  rollMs: number;
  /** The message value, JSON or registry Avro; throws when it is neither. */
  deserialize: (value: Buffer | null) => unknown;
  /** Commit the consumer group's offset for a partition: the last step of a roll, which makes it exactly once. */
  commit: (partition: number, nextOffset: number) => Promise<void>;
  /** Make dead letters durable; called before the offset that covers them is committed. */
  sendDeadLetters: (letters: ArchiveDeadLetter[]) => Promise<unknown>;
  log: Logger;
}

/**
 * The archive of one topic (`candlestream archive`): one PartitionArchive per assigned partition,
 * recovered when assigned, fed by the partition's batches (each message landed by its own symbol
 * and time, or dead-lettered with a reason), rolled by size and by age.
 */
export class TopicArchive {
  readonly #o: TopicArchiveOptions;
  readonly #archives = new Map<number, PartitionArchive>();
  /** Per partition: the offset a recovered roll committed; messages before it were landed by that roll. */
  readonly #resumeAt = new Map<number, number>();

  constructor(options: TopicArchiveOptions) {
    this.#o = options;
  }

  /**
   * The group's new assignment. A partition that went to another member: what was held is dropped,
   * never written (its offsets were not committed, the new owner consumes it again). A partition
   * assigned is recovered at once, not at its first batch: a crash while cleaning up its last roll
   * leaves staging that no new message may ever come to clear.
   */
  async assign(partitions: readonly number[]): Promise<void> {
    const mine = new Set(partitions);
    for (const partition of [...this.#archives.keys()]) if (!mine.has(partition)) this.#archives.delete(partition);
    for (const partition of mine) await this.#archiveOf(partition);
  }

  /** Land a batch of one partition's messages; `consumed(offset)` follows each message. */
  async land(partition: number, messages: ConsumedMessage[], consumed: (offset: string) => void): Promise<void> {
    const archive = await this.#archiveOf(partition);
    const landed = this.#resumeAt.get(partition) ?? 0;
    const deadLetters: ArchiveDeadLetter[] = [];
    for (const message of messages) {
      const offset = Number(message.offset);
      if (offset < landed) {
        consumed(message.offset); // landed by the roll that recovery completed
        continue;
      }
      const reason = await this.#hold(archive, message, offset);
      if (reason !== undefined) {
        archive.skip(offset);
        const headers = deadLetterHeaders({
          reason,
          stage: 'archive',
          topic: this.#o.topic,
          partition: String(partition),
          offset: message.offset,
        });
        deadLetters.push({ key: message.key, value: message.value, headers });
      }
      consumed(message.offset);
      if (archive.heldBytes >= this.#o.rollBytes) await this.#rollWith(partition, archive, deadLetters);
    }
    if (archive.age() >= this.#o.rollMs) await this.#rollWith(partition, archive, deadLetters);
    await this.#sendDeadLetters(deadLetters);
  }

  /** Roll every partition whose held messages are older than --roll-ms. */
  async rollAged(): Promise<void> {
    for (const [partition, archive] of this.#archives) if (archive.age() >= this.#o.rollMs) await this.#roll(partition, archive);
  }

  /** Roll everything held (at a stop). */
  async rollAll(): Promise<void> {
    for (const [partition, archive] of this.#archives) await this.#roll(partition, archive);
  }

  /** Hold the message for the next roll; or say why it cannot be landed. */
  async #hold(archive: PartitionArchive, message: ConsumedMessage, offset: number): Promise<string | undefined> {
    try {
      const value = await this.#o.deserialize(message.value);
      const symbol = priceKey(value);
      const ts = priceEventTime(value);
      // A symbol that cannot be a partition directory would fail every roll, and every restart.
      if (symbol === null) return priceKeyRejection(value);
      if (partitionValueProblem(symbol)) return 'bad_symbol:partition_value';
      if (!Number.isFinite(ts)) return 'bad_timestamp';
      const raw = message.value![0] === 0 ? JSON.stringify(value) : message.value!.toString('utf8'); // Avro: kept as its JSON
      archive.add({ symbol, ts, raw, offset, timestamp: Number(message.timestamp) });
      return undefined;
    } catch (e) {
      return `unreadable:${(e as Error).message.slice(0, 120)}`;
    }
  }

  /** The archive of a partition, its leftovers from a crash recovered first. */
  async #archiveOf(partition: number): Promise<PartitionArchive> {
    const existing = this.#archives.get(partition);
    if (existing) return existing;
    const archive = new PartitionArchive(this.#o.storage, this.#o.path, this.#o.topic, partition);
    await archive.recover(async (next) => {
      await this.#o.commit(partition, next);
      this.#resumeAt.set(partition, Math.max(next, this.#resumeAt.get(partition) ?? 0));
    });
    this.#archives.set(partition, archive);
    return archive;
  }

  async #sendDeadLetters(deadLetters: ArchiveDeadLetter[]): Promise<void> {
    if (deadLetters.length) await this.#o.sendDeadLetters(deadLetters.splice(0));
  }

  /** Dead letters are durable before the offset that covers them is committed. */
  async #rollWith(partition: number, archive: PartitionArchive, deadLetters: ArchiveDeadLetter[]): Promise<void> {
    await this.#sendDeadLetters(deadLetters);
    await this.#roll(partition, archive);
  }

  async #roll(partition: number, archive: PartitionArchive): Promise<void> {
    const messages = archive.heldMessages;
    const started = performance.now();
    await archive.roll((next) => this.#o.commit(partition, next));
    this.#o.log.info({ partition, messages, ms: Math.round(performance.now() - started) }, 'rolled');
  }
}
