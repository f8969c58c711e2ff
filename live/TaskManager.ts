import { rm } from 'node:fs/promises';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { BuiltTopology } from '../topology/Topology.ts';
import type { Committer } from './Committer.ts';
import type { GlobalRecord } from './GlobalTable.ts';
import { changelogTopic } from './internalTopics.ts';
import { LiveTask, type SinkTarget } from './LiveTask.ts';
import { restoreTask } from './restoreTask.ts';
import type { Locked } from './serialized.ts';
import type { StreamsMetrics } from './StreamsMetrics.ts';
import { writeTaskCheckpoint } from './taskCheckpoint.ts';

export interface TaskManagerOptions {
  topology: BuiltTopology;
  kafka: Kafka;
  admin: Admin;
  consumer: Consumer;
  committer: Committer;
  applicationId: string;
  stateDir: string;
  sinks: ReadonlyMap<string, SinkTarget>;
  deadLetterTopic: string;
  /** The topics the group consumes: inputs and repartition topics. */
  inputTopics: string[];
  /** New tasks of a new application are warmed up from history. */
  warmUp: boolean;
  locked: Locked;
  log: Logger;
  metrics: StreamsMetrics;
}

/**
 * The tasks this instance runs, one per input partition, as Kafka Streams' TaskManager: created and
 * restored on their partition's first records, committed, closed when the partitions are revoked, and
 * dropped (restored again from the last commit) when their work cannot be committed.
 */
export class TaskManager {
  readonly #o: TaskManagerOptions;
  readonly #tasks = new Map<number, LiveTask>();
  /** Tasks being created and restored. */
  #restoring = 0;

  constructor(options: TaskManagerOptions) {
    this.#o = options;
  }

  get restoring(): boolean {
    return this.#restoring > 0;
  }

  /** The task for a partition, created and restored on first use. */
  async task(partition: number): Promise<LiveTask> {
    const existing = this.#tasks.get(partition);
    if (existing) return existing;
    const o = this.#o;
    const task = new LiveTask(o.topology, partition, {
      stateDir: o.stateDir,
      sinks: o.sinks,
      deadLetterTopic: o.deadLetterTopic,
      onDeadLetter: (reason) => o.metrics.deadLetters.inc({ reason: reason.split(':')[0] }),
    });
    this.#restoring++;
    try {
      await o.committer.initTask(task);
      await restoreTask(task, o);
    } finally {
      this.#restoring--;
    }
    this.#tasks.set(partition, task);
    o.metrics.tasks.set(this.#tasks.size);
    return task;
  }

  /** Send the task's pending outputs. */
  send(task: LiveTask): Promise<void> {
    return this.#o.committer.send(task);
  }

  /** Commit every task with uncommitted work; tasks have their own producers, so in parallel. */
  async commitAll(): Promise<void> {
    const due = [...this.#tasks.values()].filter((t) => t.uncommitted > 0);
    await Promise.all(
      due.map(async (task) => {
        try {
          await this.#commit(task);
        } catch (e) {
          this.#o.log.warn(
            { err: e, task: task.id },
            'commit failed: dropping the task, its partition is processed again from its last commit',
          );
          await this.drop(task, true);
        }
      }),
    );
  }

  /** A background commit failed (at_least_once): the task, if still the partition's, is dropped. */
  commitFailed(task: LiveTask, error: unknown): void {
    this.#o.log.warn(
      { err: error, task: task.id },
      'commit failed: dropping the task, its partition is processed again from its last commit',
    );
    void this.#o.locked(() => (this.#tasks.get(task.partition) === task ? this.drop(task, true) : Promise.resolve()));
  }

  /** A global record that arrived after tasks passed its time: they take it now. */
  async applyLateGlobal(g: GlobalRecord): Promise<void> {
    for (const task of this.#tasks.values()) {
      if (!(g.record.timestamp > task.globalsThrough)) {
        task.applyGlobal(g);
        task.uncommitted++;
        try {
          await task.stream.flush();
        } catch (e) {
          this.#o.log.error(
            { err: e, task: task.id },
            'late global record: the batch failed at its end: dropping the task, its partition is processed again from its last commit',
          );
          await this.drop(task, true);
          continue;
        }
        await this.send(task);
      }
    }
  }

  /** A rebalance began (onPartitionsRevoked): commit and close every task before this member rejoins. */
  async handleRevocation(): Promise<void> {
    const started = performance.now();
    const tasks = [...this.#tasks.values()];
    await Promise.all(tasks.map((task) => this.#close(task, true)));
    this.#o.log.info(
      { tasks: tasks.length, ms: Math.round(performance.now() - started) },
      'rebalancing: tasks committed and closed before rejoining',
    );
  }

  /** After a join (onPartitionsLost): a task still open was not revoked before it, so it is dropped. */
  async handleLostAll(): Promise<void> {
    for (const task of [...this.#tasks.values()]) {
      this.#o.log.warn({ task: task.id }, 'task still open after a rejoin (membership lost): dropped, restored from its last commit');
      await this.drop(task, false);
    }
  }

  /** Shut down: commit and close every task, or, after a fatal error, drop them uncommitted. */
  async closeAll(commit: boolean): Promise<void> {
    for (const task of [...this.#tasks.values()]) await (commit ? this.#close(task, true) : this.drop(task, false));
  }

  /**
   * Flush the processors and stores (their changes go to the changelogs), send what is pending, then
   * commit the consumed offsets, as the guarantee does it.
   */
  async #commit(task: LiveTask): Promise<void> {
    const started = performance.now();
    await task.stream.flush();
    const { stored, offsets } = task.prepareCommit((store) => changelogTopic(this.#o.applicationId, store));
    await this.#o.committer.commit(task, stored, offsets, () =>
      this.#o.metrics.commitSeconds.observe((performance.now() - started) / 1000),
    );
  }

  /** Commit (when it still can) and close a task, leaving a checkpoint for a fast restart. */
  async #close(task: LiveTask, commit: boolean): Promise<void> {
    const o = this.#o;
    try {
      if (commit && task.uncommitted > 0) await this.#commit(task);
      else if (commit) {
        task.discardPending();
        await o.committer.abort(task);
      }
      await o.committer.committed(task);
    } catch (e) {
      o.log.warn({ err: e, task: task.id }, 'could not commit a closing task: it is dropped and restored by its next owner');
      return this.drop(task, false);
    }
    const offsets: Record<string, number> = {};
    for (const name of task.stream.stores.keys()) {
      const topic = changelogTopic(o.applicationId, name);
      const end = (await o.admin.fetchTopicOffsets(topic)).find((p) => p.partition === task.partition);
      offsets[topic] = Number(end?.high ?? 0);
    }
    await task.stream.close();
    await writeTaskCheckpoint(task.dir, { marker: String(task.commitSeq), offsets });
    await o.committer.closeTask(task);
    this.#remove(task);
    o.log.info({ task: task.id }, 'task closed');
  }

  /**
   * Give up a task whose uncommitted work cannot be committed (fenced, broker gone): abort, wipe its
   * local state, and, if the partition is still ours, fetch it again from the last commit.
   */
  async drop(task: LiveTask, refetch: boolean): Promise<void> {
    const o = this.#o;
    task.discardPending();
    await o.committer.abandon(task);
    await task.stream.close().catch(() => undefined);
    await rm(task.dir, { recursive: true, force: true });
    this.#remove(task);
    if (!refetch) return;
    for (const topic of task.nextOffsets.keys()) {
      const [committed] = await o.admin.fetchOffsets({ groupId: o.applicationId, topics: [topic] });
      const offset = Number(committed?.partitions.find((x) => x.partition === task.partition)?.offset ?? -1);
      o.consumer.seek({ topic, partition: task.partition, offset: String(Math.max(0, offset)) });
    }
  }

  /** Store sizes per task, for the metrics. */
  storeSizes(): { store: string; partition: number; entries: number }[] {
    const sizes = [];
    for (const task of this.#tasks.values())
      for (const [store, s] of task.stream.stores) sizes.push({ store, partition: task.partition, entries: s.size });
    return sizes;
  }

  #remove(task: LiveTask): void {
    this.#tasks.delete(task.partition);
    this.#o.metrics.tasks.set(this.#tasks.size);
  }
}
