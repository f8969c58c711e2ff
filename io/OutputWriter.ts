import type { StreamRecord } from '../topology/StreamRecord.ts';

/**
 * What a run does with what its output location already holds when it starts afresh, as Spark's
 * writers have it: `error` refuses if it holds anything this run did not write, `append` adds
 * beside it, `overwrite` replaces what candlestream wrote there (never anyone else's files).
 */
export type OutputMode = 'error' | 'append' | 'overwrite';
export const OUTPUT_MODES: readonly OutputMode[] = ['error', 'append', 'overwrite'];

/** An output refuses to start: its location holds what the mode does not allow this run to touch. */
export class OutputRefused extends Error {
  override name = 'OutputRefused';
}

/**
 * Where a topology sink's records end up: a file, a Kafka topic, stdout.
 * Writes are buffered; `commit` makes everything written so far durable and returns a token that,
 * handed back to `resume` after a crash, discards whatever was written after that commit.
 * `run` identifies the job: files a writer names after it are provably its own.
 */
export interface OutputWriter {
  write(record: StreamRecord): void;
  commit(): Promise<unknown>;
  /**
   * Called for every output before any resumes, and writes nothing: throws OutputRefused if
   * `resume` with the same arguments would touch what is not this run's to touch.
   */
  check(committed: unknown | undefined, run: string): Promise<void>;
  /** Roll back to a state returned by `commit`, or (undefined) start run `run` afresh. */
  resume(committed: unknown | undefined, run?: string): Promise<void>;
  close(): Promise<void>;
}
