/** Where a rejected record came from and why: what its dead letter's headers say. */
export interface Rejection {
  reason: string;
  /** The processor that rejected it, or `deserialize`. */
  stage: string;
  topic: string;
  partition: string;
  offset: string;
}

/**
 * A dead letter's headers: ours (`reason`, `stage`, `topic`, `partition`, `offset`) and the same facts
 * under the names Kafka Streams' dead-letter queue (KIP-1034) writes, so tools made for it read ours.
 * We throw no exception when we reject a record: `exception` names the kind of rejection, `message`
 * is the reason, and `stacktrace` a single frame, the processor that rejected it.
 */
export function deadLetterHeaders(r: Rejection): Record<string, string> {
  return {
    reason: r.reason,
    stage: r.stage,
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    '__streams.errors.exception': r.stage === 'deserialize' ? 'candlestream.UnreadableRecord' : 'candlestream.RejectedRecord',
    '__streams.errors.message': r.reason,
    '__streams.errors.stacktrace': `    at ${r.stage}`,
    '__streams.errors.topic': r.topic,
    '__streams.errors.partition': r.partition,
    '__streams.errors.offset': r.offset,
  };
}
