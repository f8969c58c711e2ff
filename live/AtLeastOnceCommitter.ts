import type { Consumer, Kafka, Producer } from 'kafkajs';
import type { Committer, ConsumedOffsets } from './Committer.ts';
import type { LiveTask } from './LiveTask.ts';
import { sendPending } from './sendPending.ts';
import type { StreamsMetrics } from './StreamsMetrics.ts';

/**
 * at_least_once: outputs are sent, then the offsets committed through the consumer. Only the taking
 * of a commit's changes and offsets holds up processing: the writes, the sends and the offset commit
 * go on in the background, each commit of a task after the one before.
 */
export class AtLeastOnceCommitter implements Committer {
  /** Outputs go through one producer, commits (changelogs) through another, so a big commit never queues outputs behind it. */
  readonly #outputProducer: Producer;
  readonly #commitProducer: Producer;
  readonly #consumer: Consumer;
  readonly #metrics: StreamsMetrics;
  readonly #onCommitFailed: (task: LiveTask, error: unknown) => void;

  constructor(kafka: Kafka, consumer: Consumer, metrics: StreamsMetrics, onCommitFailed: (task: LiveTask, error: unknown) => void) {
    this.#outputProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.#commitProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.#consumer = consumer;
    this.#metrics = metrics;
    this.#onCommitFailed = onCommitFailed;
  }

  async start(): Promise<void> {
    await Promise.all([this.#outputProducer.connect(), this.#commitProducer.connect()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.#outputProducer.disconnect(), this.#commitProducer.disconnect()]);
  }

  async initTask(): Promise<void> {}

  send(task: LiveTask, producer = this.#outputProducer): Promise<void> {
    return sendPending(task, (topicMessages) => producer.sendBatch({ topicMessages, acks: -1 }), this.#metrics);
  }

  async commit(task: LiveTask, stored: Promise<void>, offsets: ConsumedOffsets, onCommitted: () => void): Promise<void> {
    const sent = this.send(task, this.#commitProducer); // takes everything pending now, changelog records included
    const previous = task.committing;
    task.committing = (async () => {
      await previous;
      await Promise.all([stored, sent]);
      await this.#consumer.commitOffsets(offsets.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p }))));
      onCommitted();
    })();
    task.committing.catch((e) => this.#onCommitFailed(task, e));
  }

  async abort(): Promise<void> {}

  committed(task: LiveTask): Promise<void> {
    return task.committing;
  }

  async closeTask(): Promise<void> {}

  async abandon(task: LiveTask): Promise<void> {
    await task.committing.catch(() => undefined);
  }
}
