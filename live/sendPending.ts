import type { Message } from 'kafkajs';
import type { LiveTask } from './LiveTask.ts';
import type { StreamsMetrics } from './StreamsMetrics.ts';

export type TopicMessages = { topic: string; messages: Message[] }[];

/**
 * kafkajs puts all of a request's messages for one partition into one record batch, and brokers refuse
 * a batch over max.message.bytes (1 MB by default): requests are cut well below that.
 */
const MAX_REQUEST_BYTES = 512 * 1024;

/** Serialise the task's pending outputs and hand them to `sendBatch` in requests of a size brokers accept. */
export async function sendPending(
  task: LiveTask,
  sendBatch: (topicMessages: TopicMessages) => Promise<unknown>,
  metrics: StreamsMetrics,
): Promise<void> {
  if (!task.hasPending) return;
  for (const topicMessages of inRequestsOfAtMost(await task.drain(), MAX_REQUEST_BYTES)) {
    await sendBatch(topicMessages);
    for (const t of topicMessages) metrics.recordsOut.inc({ topic: t.topic }, t.messages.length);
  }
}

function* inRequestsOfAtMost(topicMessages: TopicMessages, maxBytes: number): Generator<TopicMessages> {
  let request: TopicMessages = [];
  let bytes = 0;
  for (const { topic, messages } of topicMessages) {
    let current: Message[] = [];
    request.push({ topic, messages: current });
    for (const m of messages) {
      const size = (m.value?.length ?? 0) + (typeof m.key === 'string' ? m.key.length : (m.key?.length ?? 0)) + 64;
      if (bytes + size > maxBytes && bytes > 0) {
        yield request.filter((t) => t.messages.length);
        request = [{ topic, messages: (current = []) }];
        bytes = 0;
      }
      current.push(m);
      bytes += size;
    }
  }
  if (bytes > 0) yield request.filter((t) => t.messages.length);
}
