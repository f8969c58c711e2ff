import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { kafkajsPipe } from './kafkajsPipe.ts';

/**
 * Which Node.js Kafka client: the same consume → JSON.parse → produce pipe with kafkajs (the design
 * card's, unmaintained since 2023) and @platformatic/kafka (pure JS, maintained), over one topic
 * filled beforehand, in one run, on the local broker (npm run stack:up).
 * Usage: node bench/kafka-clients.ts [messages=200000]
 */
const brokers = [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'];
const total = Number(process.argv[2] ?? 200_000);
const kafka = new Kafka({ brokers, clientId: 'bench-clients', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const run = randomUUID().slice(0, 6);
const input = `clients-in-${run}`;
await admin.createTopics({
  topics: [input, `clients-out-kafkajs-${run}`, `clients-out-platformatic-${run}`].map((topic) => ({ topic, numPartitions: 4 })),
  waitForLeaders: true,
});
{
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < total; i += 2000) {
    await producer.send({
      topic: input,
      messages: Array.from({ length: Math.min(2000, total - i) }, (_, k) => ({
        key: `S${(i + k) % 200}-USDT`,
        value: JSON.stringify({
          symbol: `S${(i + k) % 200}USDT`,
          ts: 1672531200000 + (i + k) * 300,
          open: 100,
          high: 101,
          low: 99,
          close: 100.5,
          volume: 1,
        }),
      })),
    });
  }
  await producer.disconnect();
}

async function timed(count: () => number): Promise<number> {
  let first: number | undefined;
  for (;;) {
    const c = count();
    if (c > 0 && first === undefined) first = performance.now();
    if (c >= total) return total / ((performance.now() - first!) / 1000);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function kafkajs(): Promise<number> {
  const pipe = await kafkajsPipe(kafka, input, `clients-out-kafkajs-${run}`);
  const rate = await timed(pipe.count);
  await pipe.stop();
  return rate;
}

async function platformaticPipe(): Promise<number> {
  const consumer = new Consumer({
    groupId: `clients-${randomUUID()}`,
    clientId: 'bench',
    bootstrapBrokers: brokers,
    deserializers: stringDeserializers,
    maxWaitTime: 50,
  });
  const producer = new Producer({ clientId: 'bench', bootstrapBrokers: brokers, serializers: stringSerializers });
  const stream = await consumer.consume({ topics: [input], mode: MessagesStreamModes.EARLIEST, autocommit: 1000 });
  let sent = 0;
  let batch: { topic: string; key: string; value: string }[] = [];
  const flush = async () => {
    const messages = batch;
    batch = [];
    if (messages.length) await producer.send({ messages, acks: -1 });
    sent += messages.length;
  };
  const pump = (async () => {
    for await (const m of stream) {
      batch.push({ topic: `clients-out-platformatic-${run}`, key: m.key, value: JSON.stringify(JSON.parse(m.value)) });
      if (batch.length >= 500) await flush();
    }
  })();
  const timer = setInterval(() => void flush(), 20);
  const rate = await timed(() => sent);
  clearInterval(timer);
  await stream.close();
  await pump.catch(() => undefined);
  await Promise.all([consumer.close(), producer.close()]);
  return rate;
}

console.log(
  `machine: ${cpus().length} cores (${cpus()[0].model}), Node ${process.version}; ${total.toLocaleString('en-US')} messages, 4 partitions, Kafka on loopback`,
);
const results: [string, number][] = [];
for (const [name, pipe] of [
  ['kafkajs 2.2.4', kafkajs],
  ['@platformatic/kafka 2.12.1', platformaticPipe],
  ['kafkajs 2.2.4 (again)', kafkajs],
  ['@platformatic/kafka 2.12.1 (again)', platformaticPipe],
] as const) {
  results.push([name, await pipe()]);
  console.log(`  ${name.padEnd(36)} ${Math.round(results.at(-1)![1]).toLocaleString('en-US').padStart(9)} messages/s`);
}
await admin.deleteTopics({ topics: [input, `clients-out-kafkajs-${run}`, `clients-out-platformatic-${run}`] }).catch(() => undefined);
await admin.disconnect();
