/** Where a record came from: enough to resume a source after it, and to report it in a dead letter. */
export interface SourcePosition {
  /** Topic or file the record was read from. */
  source: string;
  partition: number;
  /** Kafka offset, or row number within a file. */
  offset: number;
}

/** A record's headers, as Kafka's, with string values. */
export type Headers = Record<string, string>;

/** One record flowing through the topology, as in Kafka Streams' Processor API. */
export interface StreamRecord<V = unknown> {
  key: string | null;
  value: V;
  /** Event time, UTC epoch milliseconds. */
  timestamp: number;
  headers: Headers;
  position?: SourcePosition;
}
