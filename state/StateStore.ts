/** Receives each change a flush writes, for the store's changelog: the value's bytes (binaryValue), null for a delete. */
export type ChangeLogger = (key: string, value: Uint8Array | null) => void;

/** A store owned by one task. Writes are cached and reach disk in one batch per `flush`. */
export interface StateStore {
  readonly name: string;
  /** Load the store from `dir` (or nothing, for an in-memory store). */
  open(dir: string | undefined): Promise<void>;
  /**
   * Write every change since the last flush in one batch, tagged with the task's commit marker;
   * `log` also receives each change, so a live task can send it to the store's changelog topic.
   * The changes are taken (and logged) synchronously, before the first await: the task may go on
   * processing while the write completes, and what it changes then belongs to the next flush.
   */
  flush(commitMarker: string, log?: ChangeLogger): Promise<void>;
  /** Apply one record of the store's changelog (restoring, before processing starts); the next flush persists it. */
  restore(key: string, value: Uint8Array | null): void;
  /** The commit marker written by the last successful flush, if any. */
  readonly committedMarker: string | undefined;
  /** Forget everything, on disk too: used when local state cannot be trusted. */
  wipe(): Promise<void>;
  close(): Promise<void>;
  /** Live entries, for metrics and the memory bound. */
  readonly size: number;
  /** True when the write-back buffer is over its bound: the task should commit now. */
  readonly needsFlush?: boolean;
}

/** Builds a fresh store instance for each task, as Kafka Streams' StoreBuilder does. */
export interface StoreBuilder<S extends StateStore = StateStore> {
  readonly name: string;
  build(): S;
}
