import type { LiveTask } from './LiveTask.ts';

/** What a task's commit records as consumed: per input topic, the next offset of its partition, the stream time beside it. */
export type ConsumedOffsets = { topic: string; partitions: { partition: number; offset: string; metadata: string }[] }[];

/**
 * How a task's outputs and commits reach Kafka under one processing guarantee: Kafka Streams'
 * StreamsProducer and TaskExecutor.commitOffsetsOrTransaction. ExactlyOnceCommitter gives each task a
 * transactional producer; AtLeastOnceCommitter sends through shared producers and commits offsets
 * through the consumer.
 */
export interface Committer {
  /** Connect what the tasks share. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A new task, before it restores its state. */
  initTask(task: LiveTask): Promise<void>;
  /** Send the task's pending outputs. */
  send(task: LiveTask): Promise<void>;
  /**
   * Send what is pending (the changelog records of `stored` included) and commit `offsets` with it.
   * `onCommitted` is called when the commit has landed.
   */
  commit(task: LiveTask, stored: Promise<void>, offsets: ConsumedOffsets, onCommitted: () => void): Promise<void>;
  /** The task closes with nothing to commit: what it began is undone. */
  abort(task: LiveTask): Promise<void>;
  /** Resolves when the task's commits have landed; rejects if one failed. */
  committed(task: LiveTask): Promise<void>;
  /** The task closed cleanly: release what it held. */
  closeTask(task: LiveTask): Promise<void>;
  /** The task is dropped without a commit: undo and release what it held; never fails. */
  abandon(task: LiveTask): Promise<void>;
}
