import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { Logger } from 'pino';
import type { SourceNode } from '../topology/Topology.ts';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import { partitionFor } from '../topology/partitioner.ts';
import type { GlobalTable } from './GlobalTable.ts';
import { repartitionTopic } from './internalTopics.ts';
import type { RejoinGate } from './RejoinGate.ts';
import type { Serde } from './Serde.ts';
import type { Locked } from './serialized.ts';
import type { StreamsMetrics } from './StreamsMetrics.ts';
import type { TaskManager } from './TaskManager.ts';
import { firstEventTime, warmUp, type WarmUpFeed } from './warmUp.ts';

export interface StreamThreadOptions {
  consumer: Consumer;
  rejoinGate: RejoinGate;
  tasks: TaskManager;
  globals: GlobalTable;
  applicationId: string;
  /** Input and repartition topic → the source it feeds. */
  sourceByTopic: ReadonlyMap<string, SourceNode>;
  /** Partitions of every input topic: one task each. */
  partitions: number;
  serde: (name: string) => Serde;
  commitIntervalMs: number;
  warmUp: WarmUpFeed | undefined;
  locked: Locked;
  log: Logger;
  metrics: StreamsMetrics;
  /** The consumer stopped for good (an error kafkajs does not retry). */
  onFatalError: (error: Error) => void;
}

/**
 * The consumer loop, as Kafka Streams' StreamThread: it joins the group, hands each fetched batch to
 * its partition's task (records keyed otherwise than their source's key go through the repartition
 * topic first), commits every commit interval, and commits and closes the tasks before it rejoins.
 */
export class StreamThread {
  readonly #o: StreamThreadOptions;
  readonly #repartitionTopics: Set<string>;
  #lastCommit = Date.now();
  /** Commits when input stops: kafkajs calls eachBatch only when there are records. */
  #commitTimer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(options: StreamThreadOptions) {
    this.#o = options;
    this.#repartitionTopics = new Set(
      [...options.sourceByTopic.values()].filter((s) => s.key).map((s) => repartitionTopic(options.applicationId, s.name)),
    );
  }

  async start(): Promise<void> {
    const { consumer, tasks, log, locked } = this.#o;
    consumer.on(consumer.events.REBALANCING, () => this.#o.rejoinGate.holdUntil(locked(() => tasks.handleRevocation())));
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assigned = new Set<number>(Object.values(e.payload.memberAssignment).flat() as number[]);
      log.info({ partitions: [...assigned].sort((a, b) => a - b) }, 'partitions assigned');
      void locked(() => tasks.handleLostAll());
    });
    consumer.on(consumer.events.CRASH, (e) => {
      log.error(
        { err: e.payload.error, restart: e.payload.restart },
        e.payload.restart ? 'consumer crashed: restarting it' : 'consumer crashed for good',
      );
      if (!e.payload.restart) this.#o.onFatalError(e.payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.#o.sourceByTopic.keys()], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => locked(() => this.#processBatch(payload)),
    });
    if (this.#closing) return; // paused while joining: no commits on a timer
    const { commitIntervalMs } = this.#o;
    this.#commitTimer = setInterval(() => {
      if (Date.now() - this.#lastCommit >= commitIntervalMs)
        void locked(() => this.#commitAll()).catch((e) => log.error({ err: e }, 'commit failed'));
    }, commitIntervalMs);
  }

  /** Stop fetching and committing on a timer; batches fetched before are left to the restart. */
  pause(): void {
    this.#closing = true;
    clearInterval(this.#commitTimer);
    // Pause, not stop: at_least_once commits its offsets through the consumer, which must still run.
    try {
      this.#o.consumer.pause([...this.#o.sourceByTopic.keys()].map((topic) => ({ topic })));
    } catch {
      // not running (failed, or never started): nothing is fetched anyway
    }
  }

  async stop(): Promise<void> {
    await this.#o.consumer.stop();
    await this.#o.consumer.disconnect();
  }

  #commitAll(): Promise<void> {
    this.#lastCommit = Date.now();
    return this.#o.tasks.commitAll();
  }

  async #processBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { tasks, globals, metrics, log } = this.#o;
    if (this.#closing) return; // fetched before the pause: processed after the restart
    const source = this.#o.sourceByTopic.get(batch.topic)!;
    const task = await tasks.task(batch.partition);
    const serde = this.#o.serde(source.name);
    if (task.warmUpPending) {
      const until = await firstEventTime(batch.messages, serde, source);
      await warmUp(task, this.#o.warmUp!(task.partition, this.#o.partitions, until), until, globals, heartbeat, log);
    }
    const started = performance.now();
    let next = task.nextOffsets.get(batch.topic) ?? 0;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const offset = Number(message.offset);
      if (offset < next) continue; // processed already, not yet committed: fetched again after a rebalance
      metrics.recordsIn.inc({ topic: batch.topic });
      let value: unknown;
      try {
        value = await serde.deserialize(message.value);
      } catch (e) {
        task.deadLetter(message, `unreadable:${(e as Error).message.slice(0, 120)}`, 'deserialize', batch.topic, batch.partition);
        next = offset + 1;
        task.uncommitted++;
        continue;
      }
      if (source.key && !this.#repartitionTopics.has(batch.topic)) {
        // Keyed by something other than its symbol, or placed by another partitioner: through the
        // repartition topic to the task that owns its key (in this task's transaction, so exactly once).
        const key = source.key(value);
        if (key !== null && (key !== message.key?.toString() || partitionFor(key, this.#o.partitions) !== batch.partition)) {
          task.forwardRaw(repartitionTopic(this.#o.applicationId, source.name), key, message);
          next = offset + 1;
          task.uncommitted++;
          continue;
        }
      }
      const timestamp = source.timestamp ? source.timestamp(value) : Number(message.timestamp);
      task.catchUpGlobals(globals, timestamp);
      const position = { source: batch.topic, partition: batch.partition, offset };
      const record: StreamRecord = { key: message.key?.toString() ?? null, value, timestamp, headers: {}, position };
      task.process(source.name, record, message);
      next = offset + 1;
      task.uncommitted++;
      metrics.recordLatency.observe((Date.now() - Number(message.timestamp)) / 1000);
    }
    task.nextOffsets.set(batch.topic, next);
    // Moves kafkajs' fetch position (nothing is committed by it: commits are ours).
    if (next > 0) resolveOffset(String(next - 1));
    metrics.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, Number(batch.highWatermark) - next));
    try {
      await task.stream.flush();
    } catch (e) {
      // A processor could not finish the batch (e.g. a model call failed): nothing of it may be
      // committed. The task is dropped and its partition fetched again from the last commit.
      log.error(
        { err: e, task: task.id },
        'batch failed at its end: dropping the task, its partition is processed again from its last commit',
      );
      await tasks.drop(task, true);
      return;
    }
    metrics.batchSeconds.observe((performance.now() - started) / 1000);
    await tasks.send(task);
    if (Date.now() - this.#lastCommit >= this.#o.commitIntervalMs) await this.#commitAll();
    await heartbeat();
  }
}
