/**
 * Loaded into a service with `node --import` (see rebalance.test.ts): every producer request that
 * carries changelog records waits CS_CHANGELOG_DELAY_MS first, as on a slow network or a broker whose
 * replicas lag behind acks=all. It stretches the moment between a task's last state change and its
 * arrival in the changelog, so that an ordering that only timing made safe shows itself.
 */
import kafkajs, { type Kafka } from 'kafkajs';

const delayMs = Number(process.env.CS_CHANGELOG_DELAY_MS ?? 0);
const createProducer = kafkajs.Kafka.prototype.producer;

kafkajs.Kafka.prototype.producer = function producer(this: Kafka, ...args: Parameters<Kafka['producer']>) {
  const p = createProducer.apply(this, args);
  const sendBatch = p.sendBatch.bind(p);
  p.sendBatch = async (batch) => {
    if (batch.topicMessages?.some((t) => t.topic.endsWith('-changelog'))) await new Promise((r) => setTimeout(r, delayMs));
    return sendBatch(batch);
  };
  return p;
};
