import type { Kafka } from 'kafkajs';
import type { Committer, ConsumedOffsets } from './Committer.ts';
import type { LiveTask } from './LiveTask.ts';
import { sendPending } from './sendPending.ts';
import type { StreamsMetrics } from './StreamsMetrics.ts';

/**
 * exactly_once (Kafka Streams' EOS with a producer per task): each task has its own transactional
 * producer (transactional.id `<app-id>-<task id>`), and its outputs, changelog records and consumed
 * offsets commit in one transaction. The instance that takes a partition over fences the one before.
 */
export class ExactlyOnceCommitter implements Committer {
  readonly #kafka: Kafka;
  readonly #applicationId: string;
  readonly #metrics: StreamsMetrics;

  constructor(kafka: Kafka, applicationId: string, metrics: StreamsMetrics) {
    this.#kafka = kafka;
    this.#applicationId = applicationId;
    this.#metrics = metrics;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async initTask(task: LiveTask): Promise<void> {
    // Creating the producer fences the zombie that owned this task before and aborts its open
    // transaction. CONCURRENT_TRANSACTIONS (the previous commit's markers still being written) is
    // retried after 20 ms, as the Java producer does; an outage is waited out for minutes.
    task.producer = this.#kafka.producer({
      transactionalId: `${this.#applicationId}-${task.id}`,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { initialRetryTime: 20, maxRetryTime: 5000, retries: 50 },
    });
    await task.producer.connect();
  }

  /** Inside the task's open transaction, begun by the first send after a commit. */
  send(task: LiveTask): Promise<void> {
    return sendPending(
      task,
      async (topicMessages) => {
        task.transaction ??= await task.producer!.transaction();
        await task.transaction.sendBatch({ topicMessages, acks: -1 });
      },
      this.#metrics,
    );
  }

  async commit(task: LiveTask, stored: Promise<void>, offsets: ConsumedOffsets, onCommitted: () => void): Promise<void> {
    await Promise.all([stored, this.send(task)]);
    const tx = task.transaction ?? (await task.producer!.transaction());
    task.transaction = undefined;
    await tx.sendOffsets({ consumerGroupId: this.#applicationId, topics: offsets });
    await tx.commit();
    onCommitted();
  }

  async abort(task: LiveTask): Promise<void> {
    await task.transaction?.abort();
  }

  async committed(): Promise<void> {}

  async closeTask(task: LiveTask): Promise<void> {
    await task.producer?.disconnect();
  }

  async abandon(task: LiveTask): Promise<void> {
    await task.transaction?.abort().catch(() => undefined);
    await task.producer?.disconnect().catch(() => undefined);
  }
}
