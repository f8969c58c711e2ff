import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { BuiltTopology, SourceNode } from '../topology/Topology.ts';
import { AtLeastOnceCommitter } from './AtLeastOnceCommitter.ts';
import type { Committer } from './Committer.ts';
import { ensureTopics } from './ensureTopics.ts';
import { ExactlyOnceCommitter } from './ExactlyOnceCommitter.ts';
import { GlobalTable } from './GlobalTable.ts';
import { changelogTopic, repartitionTopic } from './internalTopics.ts';
import type { SinkTarget } from './LiveTask.ts';
import { RejoinGate } from './RejoinGate.ts';
import { jsonSerde, type Serde } from './Serde.ts';
import { serialized } from './serialized.ts';
import type { StreamsMetrics } from './StreamsMetrics.ts';
import { StreamThread } from './StreamThread.ts';
import { TaskManager } from './TaskManager.ts';
import type { WarmUpFeed } from './warmUp.ts';

/** Kafka Streams' processing.guarantee: exactly_once (transactions) or at_least_once. */
export type Guarantee = 'exactly_once' | 'at_least_once';

/** commit.interval.ms when none is given, as Kafka Streams: 100 with exactly_once, 30000 with at_least_once. */
export const defaultCommitIntervalMs = (guarantee: Guarantee): number => (guarantee === 'exactly_once' ? 100 : 30_000);

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
   * History to build a new task's state from before its first input record (`run --warm-from`).
   * Called once for a task that has no committed offsets and no changelog: the first start of an
   * application. What the history produces is not published; its state is, through the changelogs.
   */
  warmUp?: WarmUpFeed;
  /** Global topics read as empty when they do not exist (`run` without --external-names: nothing comes from them). */
  optionalGlobals?: string[];
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
 *
 * This class is the facade: StreamThread runs the consumer, TaskManager the tasks, a Committer per
 * guarantee their commits, GlobalTable the global sources.
 */
export class KafkaStreams {
  readonly #o: KafkaStreamsOptions;
  /** Input and repartition topic → the source it feeds. */
  readonly #sourceByTopic = new Map<string, SourceNode>();
  readonly #sinks = new Map<string, SinkTarget>();
  readonly #globals: GlobalTable;
  /** Serialises batches, commits and rebalances: a task is touched by one of them at a time. */
  readonly #locked = serialized();
  #admin: Admin | undefined;
  #committer: Committer | undefined;
  #tasks: TaskManager | undefined;
  #thread: StreamThread | undefined;
  #state: 'created' | 'starting' | 'running' | 'closing' | 'closed' | 'failed' = 'created';

  constructor(options: KafkaStreamsOptions) {
    this.#o = options;
    const nodes = options.topology.nodes;
    for (const s of nodes.filter((n): n is SourceNode => n.kind === 'source' && !n.global)) {
      for (const t of s.topics) this.#sourceByTopic.set(t, s);
      if (s.key) this.#sourceByTopic.set(repartitionTopic(options.applicationId, s.name), s);
    }
    for (const n of nodes) if (n.kind === 'sink') this.#sinks.set(n.name, { topic: n.topic, serde: this.#serde(n.name) });
    const globals = nodes.filter((n): n is SourceNode => n.kind === 'source' && n.global);
    this.#globals = new GlobalTable(options.kafka, globals, (name) => this.#serde(name), options.log, options.applicationId);
    this.#globals.onLateRecord = (r, insert) =>
      this.#locked(async () => {
        insert();
        await this.#tasks?.applyLateGlobal(r);
      });
  }

  get state() {
    return this.#state;
  }

  /** Running, and no task restoring its state (a task is created when its partition's first records arrive). */
  get ready(): boolean {
    return this.#state === 'running' && !this.#tasks?.restoring;
  }

  async start(): Promise<void> {
    const o = this.#o;
    this.#state = 'starting';
    const admin = (this.#admin = o.kafka.admin());
    await admin.connect();
    const sources = new Set(this.#sourceByTopic.values());
    const { partitions, absentGlobals } = await ensureTopics(admin, {
      inputs: [...sources].flatMap((s) => s.topics),
      globals: this.#globals.topics,
      optionalGlobals: o.optionalGlobals,
      outputs: [...[...this.#sinks.values()].map((s) => s.topic), o.deadLetterTopic],
      changelogs: [...o.topology.stores.keys()].map((s) => changelogTopic(o.applicationId, s)),
      repartitions: [...sources].filter((s) => s.key).map((s) => repartitionTopic(o.applicationId, s.name)),
      log: o.log,
    });
    const rejoinGate = new RejoinGate();
    const consumer = this.#mainConsumer(rejoinGate);
    const committer = (this.#committer =
      o.guarantee === 'exactly_once'
        ? new ExactlyOnceCommitter(o.kafka, o.applicationId, o.metrics)
        : new AtLeastOnceCommitter(o.kafka, consumer, o.metrics, (task, e) => this.#tasks?.commitFailed(task, e)));
    await committer.start();
    await this.#globals.start(admin, absentGlobals);
    if (this.#closing) return; // closed while starting (a signal): nothing more to connect

    const common = { applicationId: o.applicationId, locked: this.#locked, log: o.log, metrics: o.metrics };
    const tasks = (this.#tasks = new TaskManager({
      ...common,
      topology: o.topology,
      kafka: o.kafka,
      admin,
      consumer,
      committer,
      stateDir: o.stateDir,
      sinks: this.#sinks,
      deadLetterTopic: o.deadLetterTopic,
      inputTopics: [...this.#sourceByTopic.keys()],
      warmUp: o.warmUp !== undefined,
    }));
    this.#thread = new StreamThread({
      ...common,
      consumer,
      rejoinGate,
      tasks,
      globals: this.#globals,
      sourceByTopic: this.#sourceByTopic,
      partitions,
      serde: (name) => this.#serde(name),
      commitIntervalMs: o.commitIntervalMs,
      warmUp: o.warmUp,
      onFatalError: (error) => {
        this.#state = 'failed';
        o.onFatalError?.(error);
      },
    });
    await this.#thread.start();
    if (this.#closing) return;
    this.#state = 'running';
    o.log.info({ applicationId: o.applicationId, guarantee: o.guarantee, partitions }, 'started');
  }

  /** Stop consuming, commit what was processed, leave checkpoints for a fast restart, disconnect. */
  async close(): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    const failed = this.#state === 'failed';
    this.#state = 'closing';
    this.#thread?.pause();
    // After a fatal error nothing is committed: the restart goes back to the last commit.
    await this.#locked(async () => this.#tasks?.closeAll(!failed));
    await this.#thread?.stop();
    await this.#globals.stop(this.#admin!);
    await this.#committer?.stop();
    await this.#admin?.disconnect();
    this.#state = 'closed';
    this.#o.log.info('closed');
  }

  /** Store sizes per task, for the metrics. */
  storeSizes(): { store: string; partition: number; entries: number }[] {
    return this.#tasks?.storeSizes() ?? [];
  }

  get #closing(): boolean {
    return this.#state === 'closing' || this.#state === 'closed';
  }

  #mainConsumer(rejoinGate: RejoinGate): Consumer {
    const o = this.#o;
    const sessionTimeout = o.sessionTimeoutMs ?? 30_000;
    return o.kafka.consumer({
      groupId: o.applicationId,
      readUncommitted: false,
      sessionTimeout,
      heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)),
      maxWaitTimeInMs: Math.min(100, o.commitIntervalMs),
      partitionAssigners: [rejoinGate.assigner],
    });
  }

  #serde(name: string): Serde {
    return this.#o.serdes?.get(name) ?? jsonSerde;
  }
}
