import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';

export interface ReadMessage {
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: number;
}

/**
 * Every message of a topic up to its end offsets now (read_committed unless asked otherwise): what a
 * downstream application would see. Through a fresh consumer group, deleted afterwards.
 */
export async function readTopic(brokers: string[], topic: string, options: { readUncommitted?: boolean } = {}): Promise<ReadMessage[]> {
  const kafka = new Kafka({ brokers, clientId: 'test-reader', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `test-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: options.readUncommitted ?? false, maxWaitTimeInMs: 100 });
  try {
    const ends = new Map<number, number>();
    for (const p of await admin.fetchTopicOffsets(topic)) if (Number(p.high) > Number(p.low)) ends.set(p.partition, Number(p.high));
    const out: ReadMessage[] = [];
    if (!ends.size) return out;
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const advance = (partition: number, next: number) => {
      if (ends.has(partition) && next >= ends.get(partition)!) ends.delete(partition);
      if (!ends.size) finish();
    };
    await consumer.connect();
    consumer.on(
      consumer.events.END_BATCH_PROCESS,
      (e) => e.payload.topic === topic && advance(e.payload.partition, Number(e.payload.lastOffset) + 1),
    );
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) out.push(toRead(batch.partition, m));
      },
    });
    await Promise.race([
      done,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`reading ${topic}: end offsets not reached in 60 s`)), 60_000)),
    ]);
    return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

function toRead(partition: number, m: KafkaMessage): ReadMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
  return { partition, offset: Number(m.offset), key: m.key?.toString() ?? null, value: m.value, headers, timestamp: Number(m.timestamp) };
}
