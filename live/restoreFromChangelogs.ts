import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

/** One changelog partition to replay into a store: records with from ≤ offset < to. */
export interface RestoreRange {
  topic: string;
  partition: number;
  from: number;
  to: number;
  apply(key: string, value: Uint8Array | null): void;
}

/**
 * Replays changelog partitions into their stores, read_committed, up to the end offsets taken before
 * reading (the task's producer was created first, which fenced any zombie and aborted its open
 * transaction, so nothing newer can appear for these partitions). kafkajs has no `assign()`, so the
 * reader is a throwaway consumer group that is deleted afterwards.
 */
export async function restoreFromChangelogs(
  kafka: Kafka,
  admin: Admin,
  ranges: RestoreRange[],
  log: Logger,
  onProgress: (range: RestoreRange, remaining: number) => void,
): Promise<number> {
  const open = new Map(ranges.filter((r) => r.to > r.from).map((r) => [`${r.topic}:${r.partition}`, r]));
  if (!open.size) return 0;
  const topics = [...new Set([...open.values()].map((r) => r.topic))];
  const groupId = `candlestream-restore-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
  let restored = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const advance = (topic: string, partition: number, next: number) => {
    const range = open.get(`${topic}:${partition}`);
    if (!range) return;
    onProgress(range, Math.max(0, range.to - next));
    if (next >= range.to) open.delete(`${topic}:${partition}`);
    if (!open.size) finish();
  };
  try {
    await consumer.connect();
    // Batches of control records only (transaction markers) reach no handler but this event.
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => advance(e.payload.topic, e.payload.partition, Number(e.payload.lastOffset) + 1));
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = open.get(`${batch.topic}:${batch.partition}`);
        if (!range) return; // another task's partition, or already restored
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset < range.from || offset >= range.to) continue;
          range.apply(m.key!.toString(), m.value);
          restored++;
        }
      },
    });
    for (const r of open.values()) if (r.from > 0) consumer.seek({ topic: r.topic, partition: r.partition, offset: String(r.from) });
    await done;
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch((e) => log.debug({ err: e }, 'could not delete the restore group'));
  }
  return restored;
}
