import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { SourceNode } from '../topology/Topology.ts';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import type { Serde } from './Serde.ts';

export interface GlobalRecord {
  source: string;
  record: StreamRecord;
  message: KafkaMessage;
  /** Why the bytes could not be read: the record goes to the dead-letter topic, not to the source. */
  unreadable?: string;
}

/**
 * The global sources (reference data such as a daily index), read whole by every instance, as Kafka
 * Streams reads a GlobalKTable, and held in event-time order. A task applies them up to the event time
 * of each record before processing it, so the as-of join sees exactly what a replay sees, whatever the
 * order in which the topics were written. Held in memory: global topics are small reference tables.
 */
export class GlobalTable {
  readonly #kafka: Kafka;
  readonly #sources: readonly SourceNode[];
  readonly #serdes: (source: string) => Serde;
  readonly #log: Logger;
  /** Sorted by event time, stable in arrival order. */
  readonly #records: GlobalRecord[] = [];
  #consumer: Consumer | undefined;
  readonly #groupId: string;
  /**
   * Called for each record that arrives after bootstrap, so tasks already past its time still get it.
   * It must call `insert` in the same step as it applies the record to the tasks: a task created in
   * between would otherwise get the record twice (once from `between`, once late).
   */
  onLateRecord: (record: GlobalRecord, insert: () => void) => Promise<void> = async (_record, insert) => insert();

  constructor(kafka: Kafka, sources: readonly SourceNode[], serdes: (source: string) => Serde, log: Logger, applicationId: string) {
    this.#kafka = kafka;
    this.#sources = sources;
    this.#serdes = serdes;
    this.#log = log;
    // Never committed: every start reads the whole topic again.
    this.#groupId = `${applicationId}-global-${randomUUID()}`;
  }

  get topics(): string[] {
    return this.#sources.flatMap((s) => s.topics);
  }

  /** Read every global topic but the `absent` ones to its end, then keep following it. */
  async start(admin: Admin, absent: readonly string[] = []): Promise<void> {
    const topics = this.topics.filter((t) => !absent.includes(t));
    if (!topics.length) return;
    const ends = new Map<string, number>();
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic))
        if (Number(p.high) > Number(p.low)) ends.set(`${topic}:${p.partition}`, Number(p.high));
    }
    let bootstrapped = false;
    let signal!: () => void;
    const caughtUp = new Promise<void>((resolve) => (signal = resolve));
    const advance = (topic: string, partition: number, next: number) => {
      const key = `${topic}:${partition}`;
      if (ends.has(key) && next >= ends.get(key)!) ends.delete(key);
      if (!bootstrapped && ends.size === 0) signal();
    };
    this.#consumer = this.#kafka.consumer({ groupId: this.#groupId, readUncommitted: false });
    await this.#consumer.connect();
    this.#consumer.on(this.#consumer.events.END_BATCH_PROCESS, (e) =>
      advance(e.payload.topic, e.payload.partition, Number(e.payload.lastOffset) + 1),
    );
    await this.#consumer.subscribe({ topics, fromBeginning: true });
    await this.#consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const source = this.#sources.find((s) => s.topics.includes(batch.topic))!;
        for (const message of batch.messages) {
          const record = await this.#read(source, batch.topic, batch.partition, message);
          if (bootstrapped) await this.onLateRecord(record, () => this.#insert(record));
          else this.#insert(record);
        }
        advance(batch.topic, batch.partition, Number(batch.lastOffset()) + 1);
      },
    });
    if (ends.size) await caughtUp;
    bootstrapped = true;
    this.#log.info({ topics, records: this.#records.length }, 'global tables loaded');
  }

  async stop(admin: Admin): Promise<void> {
    if (!this.#consumer) return;
    await this.#consumer.disconnect();
    await admin.deleteGroups([this.#groupId]).catch(() => undefined);
  }

  /** Records with `after < time ≤ through`, in event-time order. */
  *between(after: number, through: number): Generator<GlobalRecord> {
    // Binary search for the first record after `after`.
    let lo = 0;
    let hi = this.#records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (timeOf(this.#records[mid]) <= after) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.#records.length && timeOf(this.#records[i]) <= through; i++) yield this.#records[i];
  }

  async #read(source: SourceNode, topic: string, partition: number, message: KafkaMessage): Promise<GlobalRecord> {
    let value: unknown;
    let unreadable: string | undefined;
    try {
      value = await this.#serdes(source.name).deserialize(message.value);
    } catch (e) {
      unreadable = (e as Error).message.slice(0, 120);
    }
    // Unreadable records sort first (NaN time): each task dead-letters them before anything else.
    const timestamp = unreadable !== undefined ? NaN : source.timestamp ? source.timestamp(value) : Number(message.timestamp);
    const record: StreamRecord = {
      key: message.key?.toString() ?? null,
      value,
      timestamp,
      headers: {},
      position: { source: topic, partition, offset: Number(message.offset) },
    };
    return { source: source.name, record, message, unreadable };
  }

  #insert(r: GlobalRecord): void {
    const t = timeOf(r);
    let i = this.#records.length;
    while (i > 0 && timeOf(this.#records[i - 1]) > t) i--;
    this.#records.splice(i, 0, r);
  }
}

/**
 * Records without a readable time sort first, after a new task's cursor (-Infinity): the task meets
 * them, and rejects them with a reason, before anything else.
 */
function timeOf(r: GlobalRecord): number {
  const t = r.record.timestamp;
  return Number.isNaN(t) || t === -Infinity ? -Number.MAX_VALUE : t;
}
