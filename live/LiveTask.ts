import { join } from 'node:path';
import type { KafkaMessage, Message, Producer, Transaction } from 'kafkajs';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import { StreamTask, type DeadLetter } from '../topology/StreamTask.ts';
import { DEAD_LETTER, type BuiltTopology } from '../topology/Topology.ts';
import type { ConsumedOffsets } from './Committer.ts';
import type { GlobalRecord, GlobalTable } from './GlobalTable.ts';
import { deadLetterHeaders } from '../market/deadLetterHeaders.ts';
import type { Serde } from './Serde.ts';

export interface SinkTarget {
  topic: string;
  serde: Serde;
}

/** An output record on its way to Kafka; serialised when the task sends its outputs. */
interface Pending {
  topic: string;
  key: string | null;
  value: unknown;
  serde: Serde | undefined;
  headers?: Record<string, string>;
  /** Set for changelog records, which belong to the task's own partition; others go by key. */
  partition?: number;
}

/**
 * A StreamTask plus what running on Kafka adds: its input partition's positions, the outputs it has
 * produced but not yet sent, and, under exactly-once, its own transactional producer (transactional.id
 * `<app-id>-<task id>`), so that the instance that takes the partition over fences this one.
 */
export class LiveTask {
  readonly stream: StreamTask;
  readonly partition: number;
  readonly dir: string;
  producer: Producer | undefined;
  transaction: Transaction | undefined;
  /** Source topic → next offset to process; what the commit records as consumed. */
  readonly nextOffsets = new Map<string, number>();
  /** Records processed since the last commit. */
  uncommitted = 0;
  /** An at_least_once commit still writing in the background (resolved when none is). */
  committing: Promise<void> = Promise.resolve();
  commitSeq = 0;
  /** Event time through which the global tables have been applied to this task. */
  globalsThrough = -Infinity;
  /** A new task of a new application, to be warmed up from history before its first record. */
  warmUpPending = false;
  #pending: Pending[] = [];
  /** The raw message being processed: a dead letter keeps its original bytes. */
  #current: KafkaMessage | undefined;
  readonly #sinks: ReadonlyMap<string, SinkTarget>;
  readonly #deadLetterTopic: string;
  readonly #onDeadLetter: (reason: string) => void;

  constructor(
    topology: BuiltTopology,
    partition: number,
    options: { stateDir: string; sinks: ReadonlyMap<string, SinkTarget>; deadLetterTopic: string; onDeadLetter: (reason: string) => void },
  ) {
    this.partition = partition;
    this.#sinks = options.sinks;
    this.#deadLetterTopic = options.deadLetterTopic;
    this.#onDeadLetter = options.onDeadLetter;
    this.stream = new StreamTask(topology, { partition, stateDir: options.stateDir, emit: (sink, record) => this.#collect(sink, record) });
    this.dir = join(options.stateDir, this.stream.id);
  }

  get id(): string {
    return this.stream.id;
  }

  get hasPending(): boolean {
    return this.#pending.length > 0;
  }

  process(source: string, record: StreamRecord, message: KafkaMessage | undefined): void {
    this.#current = message;
    try {
      this.stream.process(source, record);
    } finally {
      this.#current = undefined;
    }
  }

  /** A message that never became a record (its bytes could not be read): straight to the dead-letter topic. */
  deadLetter(message: KafkaMessage, reason: string, stage: string, topic: string, partition: number): void {
    this.#onDeadLetter(reason);
    this.#pending.push({
      topic: this.#deadLetterTopic,
      key: message.key?.toString() ?? null,
      value: message.value,
      serde: undefined,
      headers: deadLetterHeaders({ reason, stage, topic, partition: String(partition), offset: message.offset }),
    });
  }

  /** A message passed on unchanged to `topic` under a new key (repartitioning). */
  forwardRaw(topic: string, key: string, message: KafkaMessage): void {
    this.#pending.push({ topic, key, value: message.value, serde: undefined });
  }

  /** Global records at or before `time` that the task has not seen yet, in event-time order. */
  catchUpGlobals(globals: GlobalTable, time: number): void {
    if (!(time > this.globalsThrough)) return;
    for (const g of globals.between(this.globalsThrough, time)) this.applyGlobal(g);
    this.globalsThrough = time;
  }

  applyGlobal(g: GlobalRecord): void {
    const { source, partition } = g.record.position!;
    if (g.unreadable !== undefined) this.deadLetter(g.message, `unreadable:${g.unreadable}`, 'deserialize', source, partition);
    else this.process(g.source, g.record, g.message);
  }

  /**
   * Kafka Streams' prepareCommit, once the processors are flushed: the stores commit (their changes
   * become pending changelog records; `stored` resolves when they are on disk) and the offsets to
   * commit are taken, with the stream time as their metadata.
   */
  prepareCommit(changelogTopic: (store: string) => string): { stored: Promise<void>; offsets: ConsumedOffsets } {
    const marker = String(++this.commitSeq);
    const stored = this.stream.commit(marker, (store, key, value) => this.log(changelogTopic(store), key, value));
    const streamTime = this.stream.streamTime;
    const metadata = JSON.stringify({
      streamTime: Number.isFinite(streamTime) ? streamTime : null,
      globalsThrough: Number.isFinite(this.globalsThrough) ? this.globalsThrough : null,
    });
    const offsets = [...this.nextOffsets].map(([topic, offset]) => ({
      topic,
      partitions: [{ partition: this.partition, offset: String(offset), metadata }],
    }));
    this.uncommitted = 0;
    return { stored, offsets };
  }

  /** Log changelog records to send with the next batch of outputs. */
  log(topic: string, key: string, value: Uint8Array | null): void {
    this.#pending.push({
      topic,
      key,
      value: value === null ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      serde: undefined,
      partition: this.partition,
    });
  }

  /** Serialise and hand over every pending output, grouped by topic, to `send`. */
  async drain(): Promise<{ topic: string; messages: Message[] }[]> {
    const pending = this.#pending;
    this.#pending = [];
    const byTopic = new Map<string, Message[]>();
    for (const p of pending) {
      let messages = byTopic.get(p.topic);
      if (!messages) byTopic.set(p.topic, (messages = []));
      const value = p.serde ? await p.serde.serialize(p.value) : (p.value as Buffer | null);
      messages.push({ key: p.key, value, headers: p.headers, partition: p.partition });
    }
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }

  /** Forget unsent outputs (the task is being dropped: what they came from will be processed again). */
  discardPending(): void {
    this.#pending = [];
  }

  #collect(sink: string, record: StreamRecord): void {
    if (sink === DEAD_LETTER) {
      const letter = record.value as DeadLetter;
      const current = this.#current;
      const original =
        current && letter.offset === Number(current.offset) ? current.value : Buffer.from(JSON.stringify(letter.original ?? null));
      this.#pending.push({
        topic: this.#deadLetterTopic,
        key: record.key,
        value: original,
        serde: undefined,
        headers: deadLetterHeaders({
          reason: letter.reason,
          stage: letter.processor,
          topic: letter.source ?? '',
          partition: String(letter.partition ?? ''),
          offset: String(letter.offset ?? ''),
        }),
      });
      this.#onDeadLetter(letter.reason);
      return;
    }
    const target = this.#sinks.get(sink);
    if (!target) throw new Error(`sink "${sink}" has no topic configured`);
    this.#pending.push({ topic: target.topic, key: record.key, value: record.value, serde: target.serde });
  }
}
