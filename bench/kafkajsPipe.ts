import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/** The client's ceiling: consume, JSON.parse, produce to `output`, with nothing in between. */
export async function kafkajsPipe(kafka: Kafka, input: string, output: string) {
  const consumer = kafka.consumer({ groupId: `pipe-${randomUUID()}`, maxWaitTimeInMs: 50 });
  const producer = kafka.producer();
  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  let sent = 0;
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const messages = batch.messages.map((m) => ({ key: m.key, value: JSON.stringify(JSON.parse(m.value!.toString())) }));
      await producer.send({ topic: output, messages, acks: -1 });
      sent += messages.length;
    },
  });
  return { count: () => sent, stop: () => Promise.all([consumer.disconnect(), producer.disconnect()]) };
}
