import { rm } from 'node:fs/promises';
import type { Admin, Consumer, EachBatchPayload, Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { BuiltTopology, SourceNode } from '../topology/Topology.ts';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import { GlobalTable, type GlobalRecord } from './GlobalTable.ts';
import { LiveTask, type SinkTarget } from './LiveTask.ts';
import { restoreFromChangelogs, type RestoreRange } from './restoreFromChangelogs.ts';
import { RejoinGate } from './RejoinGate.ts';
import { jsonSerde, type Serde } from './Serde.ts';
import type { StreamsMetrics } from './StreamsMetrics.ts';
import { deleteTaskCheckpoint, readTaskCheckpoint, writeTaskCheckpoint } from './taskCheckpoint.ts';
import { ensureTopics } from './ensureTopics.ts';
import { partitionFor } from '../topology/partitioner.ts';

export type Guarantee = 'exactly_once' | 'at_least_once';

export interface KafkaStreamsOptions {
  topology: BuiltTopology;
  kafka: Kafka;
  /** Consumer group, transactional.id prefix, and prefix of the changelog topics. */
  applicationId: string;
  guarantee: Guarantee;
  commitIntervalMs: number;
  stateDir: string;
  deadLetterTopic: string;
  /** Serde per source or sink name; JSON when absent. */
  serdes?: ReadonlyMap<string, Serde>;
  log: Logger;
  metrics: StreamsMetrics;
  sessionTimeoutMs?: number;
  /** The consumer stopped for good (an error kafkajs does not retry): the caller should exit, to be restarted. */
  onFatalError?: (error: Error) => void;
  /**
   * History to build a new task's state from before its first input record (`run --warm-from`):
   * the records of `partition` (of `partitions`) with event time before `until`, in event-time order.
   * Called once for a task that has no committed offsets and no changelog: the first start of an
   * application. What the history produces is not published; its state is, through the changelogs.
   */
  warmUp?: (partition: number, partitions: number, until: number) => AsyncIterable<{ source: string; records: StreamRecord[] }>;
}

/**
 * Runs a topology on Kafka, as Kafka Streams does: one consumer group, one task per input partition,
 * each task's stores logged to compacted changelog topics `<app-id>-<store>-changelog` and restored
 * from them before the task processes anything. Records not keyed (and partitioned) by their
 * source's key go through `<app-id>-<source>-repartition` first. With exactly_once, each task's
 * outputs, changelog records and consumed offsets commit in one transaction, and a task that crashed
 * is wiped and restored; with at_least_once, outputs are sent, then the offsets committed.
 *
 * Rebalances are eager, as Kafka Streams' were: before this member rejoins the group, every task is
 * committed and closed (its changelog records written, its offsets committed, a checkpoint left), so
 * the new owner of a partition restores from a changelog and offsets that nobody writes to any more.
 * A task still open when the new assignment comes was not closed that way (the member lost its
 * membership: evicted, or its consumer restarted): its partition may have been processed elsewhere
 * meanwhile, so it is dropped, not committed.
 */
export class KafkaStreams {
  readonly #o: KafkaStreamsOptions;
  readonly #tasks = new Map<number, LiveTask>();
  readonly #sources: SourceNode[];
  readonly #sourceByTopic = new Map<string, SourceNode>();
  /** Internal topics of records that came keyed otherwise than by their source's key, rekeyed. */
  readonly #repartitionTopics = new Set<string>();
  readonly #sinks = new Map<string, SinkTarget>();
  readonly #globals: GlobalTable;
  #admin!: Admin;
  #consumer!: Consumer;
  /** at_least_once: outputs go through one producer, commits (changelogs) through another, so a big commit never queues outputs behind it. */
  #outputProducer: Producer | undefined;
  #commitProducer: Producer | undefined;
  #lastCommit = Date.now();
  /** Commits when input stops: kafkajs calls eachBatch only when there are records. */
  #commitTimer: NodeJS.Timeout | undefined;
  readonly #rejoinGate = new RejoinGate();
  /** Serialises batches, commits and rebalances: a task is touched by one of them at a time. */
  #lock: Promise<unknown> = Promise.resolve();
  #partitions = 0;
  /** Tasks being created and restored: not ready while any is. */
  #restoring = 0;
  #state: 'created' | 'starting' | 'running' | 'closing' | 'closed' | 'failed' = 'created';

  constructor(options: KafkaStreamsOptions) {
    this.#o = options;
    const nodes = options.topology.nodes;
    this.#sources = nodes.filter((n): n is SourceNode => n.kind === 'source' && !n.global);
    for (const s of this.#sources) {
      for (const t of s.topics) this.#sourceByTopic.set(t, s);
      if (s.key) {
        this.#sourceByTopic.set(this.repartitionTopic(s.name), s);
        this.#repartitionTopics.add(this.repartitionTopic(s.name));
      }
    }
    for (const n of nodes) if (n.kind === 'sink') this.#sinks.set(n.name, { topic: n.topic, serde: this.#serde(n.name) });
    const globals = nodes.filter((n): n is SourceNode => n.kind === 'source' && n.global);
    this.#globals = new GlobalTable(options.kafka, globals, (name) => this.#serde(name), options.log, options.applicationId);
    this.#globals.onLateRecord = (r, insert) =>
      this.#locked(() => {
        insert();
        return this.#applyLateGlobal(r);
      });
  }

  get state() {
    return this.#state;
  }

  /** Running, and no task restoring its state (a task is created when its partition's first records arrive). */
  get ready(): boolean {
    return this.#state === 'running' && this.#restoring === 0;
  }

  changelogTopic(store: string): string {
    return `${this.#o.applicationId}-${store}-changelog`;
  }

  repartitionTopic(source: string): string {
    return `${this.#o.applicationId}-${source}-repartition`;
  }

  async start(): Promise<void> {
    const o = this.#o;
    this.#state = 'starting';
    this.#admin = o.kafka.admin();
    await this.#admin.connect();
    this.#partitions = await ensureTopics(this.#admin, {
      inputs: this.#sources.flatMap((s) => s.topics),
      globals: this.#globals.topics,
      outputs: [...[...this.#sinks.values()].map((s) => s.topic), o.deadLetterTopic],
      changelogs: [...o.topology.stores.keys()].map((s) => this.changelogTopic(s)),
      repartitions: [...this.#repartitionTopics],
      log: o.log,
    });
    if (o.guarantee === 'at_least_once') {
      this.#outputProducer = o.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      this.#commitProducer = o.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await Promise.all([this.#outputProducer.connect(), this.#commitProducer.connect()]);
    }
    await this.#globals.start(this.#admin);

    this.#consumer = o.kafka.consumer({
      groupId: o.applicationId,
      readUncommitted: false,
      sessionTimeout: o.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3000, Math.floor((o.sessionTimeoutMs ?? 30_000) / 3)),
      maxWaitTimeInMs: Math.min(100, o.commitIntervalMs),
      partitionAssigners: [this.#rejoinGate.assigner],
    });
    this.#consumer.on(this.#consumer.events.REBALANCING, () => this.#rejoinGate.holdUntil(this.#locked(() => this.#revokeAll())));
    this.#consumer.on(this.#consumer.events.GROUP_JOIN, (e) => {
      const assigned = new Set<number>(Object.values(e.payload.memberAssignment).flat() as number[]);
      o.log.info({ partitions: [...assigned].sort((a, b) => a - b) }, 'partitions assigned');
      void this.#locked(() => this.#dropLost());
    });
    this.#consumer.on(this.#consumer.events.CRASH, (e) => {
      o.log.error({ err: e.payload.error, restart: e.payload.restart }, e.payload.restart ? 'consumer crashed: restarting it' : 'consumer crashed for good');
      if (!e.payload.restart) {
        this.#state = 'failed';
        o.onFatalError?.(e.payload.error);
      }
    });
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: [...this.#sourceByTopic.keys()], fromBeginning: true });
    await this.#consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.#locked(() => this.#processBatch(payload)),
    });
    this.#commitTimer = setInterval(() => {
      if (Date.now() - this.#lastCommit >= o.commitIntervalMs) void this.#locked(() => this.#commitAll()).catch((e) => o.log.error({ err: e }, 'commit failed'));
    }, o.commitIntervalMs);
    this.#state = 'running';
    o.log.info({ applicationId: o.applicationId, guarantee: o.guarantee, partitions: this.#partitions }, 'started');
  }

  /** Stop consuming, commit what was processed, leave checkpoints for a fast restart, disconnect. */
  async close(): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    const failed = this.#state === 'failed';
    this.#state = 'closing';
    clearInterval(this.#commitTimer);
    // Pause, not stop: at_least_once commits its offsets through the consumer, which must still run.
    try {
      this.#consumer?.pause([...this.#sourceByTopic.keys()].map((topic) => ({ topic })));
    } catch {
      // not running (failed, or never started): nothing is fetched anyway
    }
    // After a fatal error nothing is committed: the restart goes back to the last commit.
    await this.#locked(async () => {
      for (const task of [...this.#tasks.values()]) await (failed ? this.#dropTask(task, false) : this.#closeTask(task, true));
    });
    await this.#consumer?.stop();
    await this.#consumer?.disconnect();
    await this.#globals.stop(this.#admin);
    await Promise.all([this.#outputProducer?.disconnect(), this.#commitProducer?.disconnect()]);
    await this.#admin?.disconnect();
    this.#state = 'closed';
    this.#o.log.info('closed');
  }

  #locked<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#lock.then(work);
    this.#lock = next.catch(() => undefined);
    return next;
  }

  #serde(name: string): Serde {
    return this.#o.serdes?.get(name) ?? jsonSerde;
  }

  async #processBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const o = this.#o;
    if (this.#state === 'closing') return; // fetched before the pause: processed after the restart
    const source = this.#sourceByTopic.get(batch.topic)!;
    const task = await this.#task(batch.partition);
    const serde = this.#serde(source.name);
    if (task.warmUpPending) await this.#warmUp(task, await this.#firstEventTime(batch.messages, serde, source), heartbeat);
    const started = performance.now();
    let next = task.nextOffsets.get(batch.topic) ?? 0;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const offset = Number(message.offset);
      if (offset < next) continue; // processed already, not yet committed: fetched again after a rebalance
      o.metrics.recordsIn.inc({ topic: batch.topic });
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
        if (key !== null && (key !== message.key?.toString() || partitionFor(key, this.#partitions) !== batch.partition)) {
          task.forwardRaw(this.repartitionTopic(source.name), key, message);
          next = offset + 1;
          task.uncommitted++;
          continue;
        }
      }
      const timestamp = source.timestamp ? source.timestamp(value) : Number(message.timestamp);
      this.#applyGlobals(task, timestamp);
      const record: StreamRecord = { key: message.key?.toString() ?? null, value, timestamp, headers: {}, position: { source: batch.topic, partition: batch.partition, offset } };
      task.process(source.name, record, message);
      next = offset + 1;
      task.uncommitted++;
      o.metrics.recordLatency.observe((Date.now() - Number(message.timestamp)) / 1000);
    }
    task.nextOffsets.set(batch.topic, next);
    // Moves kafkajs' fetch position (nothing is committed by it: commits are ours).
    if (next > 0) resolveOffset(String(next - 1));
    o.metrics.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, Number(batch.highWatermark) - next));
    try {
      await task.stream.flush();
    } catch (e) {
      // A processor could not finish the batch (e.g. a model call failed): nothing of it may be
      // committed. The task is dropped and its partition fetched again from the last commit.
      o.log.error({ err: e, task: task.id }, 'batch failed at its end: dropping the task, its partition is processed again from its last commit');
      await this.#dropTask(task, true);
      return;
    }
    o.metrics.batchSeconds.observe((performance.now() - started) / 1000);
    await this.#send(task);
    if (Date.now() - this.#lastCommit >= o.commitIntervalMs) await this.#commitAll();
    await heartbeat();
  }

  /** Where the live input of a partition begins: the first readable record's event time. */
  async #firstEventTime(messages: EachBatchPayload['batch']['messages'], serde: Serde, source: SourceNode): Promise<number> {
    for (const message of messages) {
      try {
        const value = await serde.deserialize(message.value);
        const time = source.timestamp ? source.timestamp(value) : Number(message.timestamp);
        if (Number.isFinite(time)) return time;
      } catch {
        // unreadable: the next one says
      }
    }
    return Number(messages[0].timestamp);
  }

  /** Replay the task's history up to `until` through it (see KafkaStreamsOptions.warmUp). */
  async #warmUp(task: LiveTask, until: number, heartbeat: () => Promise<void>): Promise<void> {
    const started = performance.now();
    task.warmUpPending = false;
    let records = 0;
    for await (const batch of this.#o.warmUp!(task.partition, this.#partitions, until)) {
      for (const record of batch.records) {
        if (!(record.timestamp < until)) continue;
        this.#applyGlobals(task, record.timestamp);
        task.process(batch.source, record, undefined);
        records++;
      }
      await task.stream.flush();
      task.discardPending(); // history's outputs are history: only its state goes on
      await heartbeat(); // a long history must not cost the group membership
    }
    task.uncommitted++; // the next commit logs the state to the changelogs
    this.#o.log.info({ task: task.id, records, until: new Date(until).toISOString(), ms: Math.round(performance.now() - started) }, 'task warmed up from history');
  }

  /** Global records at or before `time` that the task has not seen yet, in event-time order. */
  #applyGlobals(task: LiveTask, time: number): void {
    if (!(time > task.globalsThrough)) return;
    for (const g of this.#globals.between(task.globalsThrough, time)) this.#applyGlobal(task, g);
    task.globalsThrough = time;
  }

  #applyGlobal(task: LiveTask, g: GlobalRecord): void {
    const { source, partition } = g.record.position!;
    if (g.unreadable !== undefined) task.deadLetter(g.message, `unreadable:${g.unreadable}`, 'deserialize', source, partition);
    else task.process(g.source, g.record, g.message);
  }

  /** A global record that arrived after tasks passed its time: they take it now. */
  async #applyLateGlobal(g: GlobalRecord): Promise<void> {
    for (const task of this.#tasks.values()) {
      if (!(g.record.timestamp > task.globalsThrough)) {
        this.#applyGlobal(task, g);
        task.uncommitted++;
        try {
          await task.stream.flush();
        } catch (e) {
          this.#o.log.error({ err: e, task: task.id }, 'late global record: the batch failed at its end: dropping the task, its partition is processed again from its last commit');
          await this.#dropTask(task, true);
          continue;
        }
        await this.#send(task);
      }
    }
  }

  /** Send the task's pending outputs: inside its open transaction (exactly_once), or straight away. */
  async #send(task: LiveTask, producer = this.#outputProducer): Promise<void> {
    if (!task.hasPending) return;
    for (const topicMessages of inRequestsOfAtMost(await task.drain(), MAX_REQUEST_BYTES)) {
      if (task.producer) {
        task.transaction ??= await task.producer.transaction();
        await task.transaction.sendBatch({ topicMessages, acks: -1 });
      } else {
        await producer!.sendBatch({ topicMessages, acks: -1 });
      }
      for (const t of topicMessages) this.#o.metrics.recordsOut.inc({ topic: t.topic }, t.messages.length);
    }
  }

  /** Commit every task with uncommitted work; tasks have their own producers, so in parallel. */
  async #commitAll(): Promise<void> {
    const due = [...this.#tasks.values()].filter((t) => t.uncommitted > 0);
    this.#lastCommit = Date.now();
    await Promise.all(
      due.map(async (task) => {
        try {
          await this.#commit(task);
        } catch (e) {
          this.#o.log.warn({ err: e, task: task.id }, 'commit failed: dropping the task, its partition is processed again from its last commit');
          await this.#dropTask(task, true);
        }
      }),
    );
  }

  /**
   * Flush the stores (their changes go to the changelogs), send what is pending, then commit the
   * consumed offsets with the stream time as their metadata: in one transaction under exactly_once.
   * Under at_least_once only the taking of the changes and offsets holds up processing: the writes,
   * the sends and the offset commit go on in the background, each commit after the one before.
   */
  async #commit(task: LiveTask): Promise<void> {
    const started = performance.now();
    await task.stream.flush();
    const marker = String(++task.commitSeq);
    const flushed = task.stream.commit(marker, (store, key, value) => task.log(this.changelogTopic(store), key, value));
    const sent = this.#send(task, this.#commitProducer); // takes everything pending now, changelog records included
    const metadata = JSON.stringify({ streamTime: Number.isFinite(task.stream.streamTime) ? task.stream.streamTime : null, globalsThrough: Number.isFinite(task.globalsThrough) ? task.globalsThrough : null });
    const topics = [...task.nextOffsets].map(([topic, offset]) => ({ topic, partitions: [{ partition: task.partition, offset: String(offset), metadata }] }));
    task.uncommitted = 0;
    const observe = () => this.#o.metrics.commitSeconds.observe((performance.now() - started) / 1000);
    if (task.producer) {
      await Promise.all([flushed, sent]);
      const tx = task.transaction ?? (await task.producer.transaction());
      task.transaction = undefined;
      await tx.sendOffsets({ consumerGroupId: this.#o.applicationId, topics });
      await tx.commit();
      observe();
      return;
    }
    const previous = task.committing;
    task.committing = (async () => {
      await previous;
      await Promise.all([flushed, sent]);
      await this.#consumer.commitOffsets(topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p }))));
      observe();
    })();
    task.committing.catch((e) => {
      this.#o.log.warn({ err: e, task: task.id }, 'commit failed: dropping the task, its partition is processed again from its last commit');
      void this.#locked(() => (this.#tasks.get(task.partition) === task ? this.#dropTask(task, true) : Promise.resolve()));
    });
  }

  /** The task for a partition, created and restored on first use. */
  async #task(partition: number): Promise<LiveTask> {
    const existing = this.#tasks.get(partition);
    if (existing) return existing;
    const o = this.#o;
    const task = new LiveTask(o.topology, partition, {
      stateDir: o.stateDir,
      sinks: this.#sinks,
      deadLetterTopic: o.deadLetterTopic,
      onDeadLetter: (reason) => o.metrics.deadLetters.inc({ reason: reason.split(':')[0] }),
    });
    this.#restoring++;
    try {
      if (o.guarantee === 'exactly_once') {
        // Creating the producer fences the zombie that owned this task before and aborts its open
        // transaction. CONCURRENT_TRANSACTIONS (the previous commit's markers still being written) is
        // retried after 20 ms, as the Java producer does; an outage is waited out for minutes.
        task.producer = o.kafka.producer({
          transactionalId: `${o.applicationId}-${task.id}`,
          idempotent: true,
          maxInFlightRequests: 1,
          retry: { initialRetryTime: 20, maxRetryTime: 5000, retries: 50 },
        });
        await task.producer.connect();
      }
      await this.#restore(task);
    } finally {
      this.#restoring--;
    }
    this.#tasks.set(partition, task);
    o.metrics.tasks.set(this.#tasks.size);
    return task;
  }

  async #restore(task: LiveTask): Promise<void> {
    const o = this.#o;
    const started = performance.now();
    const checkpoint = await readTaskCheckpoint(task.dir);
    const marker = await task.stream.openStores();
    const trusted = checkpoint !== undefined && checkpoint.marker === marker;
    if (!trusted) await task.stream.wipeStores();
    // From here on the local state is ahead of the checkpoint: a crash must not trust it.
    await deleteTaskCheckpoint(task.dir);

    const ranges: RestoreRange[] = [];
    for (const [name, store] of task.stream.stores) {
      const topic = this.changelogTopic(name);
      const end = (await this.#admin.fetchTopicOffsets(topic)).find((p) => p.partition === task.partition);
      const from = trusted ? (checkpoint.offsets[topic] ?? 0) : 0;
      ranges.push({ topic, partition: task.partition, from, to: Number(end?.high ?? 0), apply: (k, v) => store.restore(k, v) });
    }
    const total = ranges.reduce((n, r) => n + Math.max(0, r.to - r.from), 0);
    const left = new Map(ranges.map((r) => [r.topic, Math.max(0, r.to - r.from)]));
    let lastLog = performance.now();
    const restored = await restoreFromChangelogs(o.kafka, this.#admin, ranges, o.log, (range, remaining) => {
      o.metrics.restoreRemaining.set({ topic: range.topic, partition: String(task.partition) }, remaining);
      left.set(range.topic, remaining);
      if (performance.now() - lastLog >= 5000) {
        lastLog = performance.now();
        const remainingAll = [...left.values()].reduce((a, b) => a + b, 0);
        o.log.info({ task: task.id, remaining: remainingAll, of: total }, 'restoring');
      }
    });
    task.commitSeq = Number(marker ?? 0) || 0;
    await task.stream.commit(String(++task.commitSeq)); // persist what was restored

    // Where processing resumes: the committed offsets (inputs and repartition topics), with the stream
    // time saved beside them.
    const committed = await this.#admin.fetchOffsets({ groupId: o.applicationId, topics: [...this.#sourceByTopic.keys()] });
    let anyCommitted = false;
    for (const { topic, partitions } of committed) {
      const p = partitions.find((x) => x.partition === task.partition);
      const offset = Number(p?.offset ?? -1);
      if (offset >= 0) anyCommitted = true;
      task.nextOffsets.set(topic, offset >= 0 ? offset : 0);
      if (p?.metadata) {
        const meta = JSON.parse(p.metadata) as { streamTime: number | null; globalsThrough: number | null };
        if (meta.streamTime !== null) task.stream.restoreStreamTime(meta.streamTime);
        if (meta.globalsThrough !== null) task.globalsThrough = meta.globalsThrough;
      }
    }
    task.warmUpPending = o.warmUp !== undefined && !anyCommitted && restored === 0 && !trusted;
    task.stream.startProcessors();
    o.log.info({ task: task.id, restoredRecords: restored, fromCheckpoint: trusted, ms: Math.round(performance.now() - started) }, 'task restored');
  }

  /** A rebalance began: commit and close every task before this member rejoins (see RejoinGate). */
  async #revokeAll(): Promise<void> {
    const started = performance.now();
    const tasks = [...this.#tasks.values()];
    await Promise.all(tasks.map((task) => this.#closeTask(task, true)));
    this.#o.log.info({ tasks: tasks.length, ms: Math.round(performance.now() - started) }, 'rebalancing: tasks committed and closed before rejoining');
  }

  /** After a join: a task still open was not revoked before it (the membership was lost), so it is dropped. */
  async #dropLost(): Promise<void> {
    for (const task of [...this.#tasks.values()]) {
      this.#o.log.warn({ task: task.id }, 'task still open after a rejoin (membership lost): dropped, restored from its last commit');
      await this.#dropTask(task, false);
    }
  }

  /** Commit (when it still can) and close a task, leaving a checkpoint for a fast restart. */
  async #closeTask(task: LiveTask, commit: boolean): Promise<void> {
    try {
      if (commit && task.uncommitted > 0) await this.#commit(task);
      else if (commit) {
        task.discardPending();
        await task.transaction?.abort();
      }
      await task.committing;
    } catch (e) {
      this.#o.log.warn({ err: e, task: task.id }, 'could not commit a closing task: it is dropped and restored by its next owner');
      return this.#dropTask(task, false);
    }
    const offsets: Record<string, number> = {};
    for (const name of task.stream.stores.keys()) {
      const topic = this.changelogTopic(name);
      const end = (await this.#admin.fetchTopicOffsets(topic)).find((p) => p.partition === task.partition);
      offsets[topic] = Number(end?.high ?? 0);
    }
    await task.stream.close();
    await writeTaskCheckpoint(task.dir, { marker: String(task.commitSeq), offsets });
    await task.producer?.disconnect();
    this.#tasks.delete(task.partition);
    this.#o.metrics.tasks.set(this.#tasks.size);
    this.#o.log.info({ task: task.id }, 'task closed');
  }

  /**
   * Give up a task whose uncommitted work cannot be committed (fenced, broker gone): abort, wipe its
   * local state, and, if the partition is still ours, fetch it again from the last commit.
   */
  async #dropTask(task: LiveTask, refetch: boolean): Promise<void> {
    task.discardPending();
    await task.committing.catch(() => undefined);
    await task.transaction?.abort().catch(() => undefined);
    await task.producer?.disconnect().catch(() => undefined);
    await task.stream.close().catch(() => undefined);
    await rm(task.dir, { recursive: true, force: true });
    this.#tasks.delete(task.partition);
    this.#o.metrics.tasks.set(this.#tasks.size);
    if (!refetch) return;
    for (const topic of task.nextOffsets.keys()) {
      const [committed] = await this.#admin.fetchOffsets({ groupId: this.#o.applicationId, topics: [topic] });
      const offset = Number(committed?.partitions.find((x) => x.partition === task.partition)?.offset ?? -1);
      this.#consumer.seek({ topic, partition: task.partition, offset: String(Math.max(0, offset)) });
    }
  }

  /** Store sizes per task, for the metrics. */
  storeSizes(): { store: string; partition: number; entries: number }[] {
    const sizes = [];
    for (const task of this.#tasks.values()) for (const [store, s] of task.stream.stores) sizes.push({ store, partition: task.partition, entries: s.size });
    return sizes;
  }
}

/**
 * kafkajs puts all of a request's messages for one partition into one record batch, and brokers refuse
 * a batch over max.message.bytes (1 MB by default): requests are cut well below that.
 */
const MAX_REQUEST_BYTES = 512 * 1024;

function* inRequestsOfAtMost(topicMessages: { topic: string; messages: Message[] }[], maxBytes: number): Generator<{ topic: string; messages: Message[] }[]> {
  let request: { topic: string; messages: Message[] }[] = [];
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
