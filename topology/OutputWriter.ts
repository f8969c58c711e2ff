import type { StreamRecord } from './Record.ts';

/**
 * Where a topology sink's records end up: a file, a Kafka topic, stdout.
 * Writes are buffered; `commit` makes everything written so far durable and returns a token that,
 * handed back to `resume` after a crash, discards whatever was written after that commit.
 */
export interface OutputWriter {
  write(record: StreamRecord): void;
  commit(): Promise<unknown>;
  /** Roll back to a state returned by `commit` (or to empty when undefined). */
  resume(committed: unknown | undefined): Promise<void>;
  close(): Promise<void>;
}
