import { join } from 'node:path';
import type { Processor } from './Processor.ts';
import type { ProcessorContext, Punctuator } from './ProcessorContext.ts';
import type { StreamRecord } from './StreamRecord.ts';
import { DEAD_LETTER, type BuiltTopology, type TopologyNode } from './Topology.ts';
import type { StateStore } from '../state/StateStore.ts';
import { TaskMetrics } from './TaskMetrics.ts';

export type Emit = (sinkName: string, record: StreamRecord) => void;

export interface StreamTaskOptions {
  partition: number;
  /** Where this task's stores live: `<stateDir>/<taskId>/<store>`. Memory-only stores when absent. */
  stateDir?: string;
  /** Receives every record that reaches a sink, and dead letters under DEAD_LETTER. */
  emit: Emit;
}

/** The value of a dead-letter record: why, where, and the record as it came in. */
export interface DeadLetter {
  reason: string;
  processor: string;
  original: unknown;
  source?: string;
  partition?: number;
  offset?: number;
}

interface Scheduled {
  intervalMs: number;
  next: number | undefined;
  punctuator: Punctuator;
}

/**
 * Runs the topology for one partition: its own processors, its own stores, its own stream time.
 * Records are processed one at a time, synchronously, in the order they are given.
 */
export class StreamTask {
  readonly id: string;
  readonly partition: number;
  readonly metrics = new TaskMetrics();
  readonly #topology: BuiltTopology;
  readonly #options: StreamTaskOptions;
  readonly #stores = new Map<string, StateStore>();
  readonly #processors = new Map<string, Processor>();
  /** The processors with a `flush`, in topology order. */
  readonly #flushing: Processor[] = [];
  readonly #scheduled: Scheduled[] = [];
  #streamTime = -Infinity;
  #current: StreamRecord | undefined;

  constructor(topology: BuiltTopology, options: StreamTaskOptions) {
    this.#topology = topology;
    this.#options = options;
    this.partition = options.partition;
    this.id = `0_${options.partition}`;
  }

  get streamTime(): number {
    return this.#streamTime;
  }

  get stores(): ReadonlyMap<string, StateStore> {
    return this.#stores;
  }

  /**
   * Open the stores and start the processors. Returns the commit marker the stores agree on, or
   * undefined when they are empty or disagree (a crash mid-commit): then they are wiped, and the
   * caller must replay this task's input from the start.
   */
  async initialize(): Promise<string | undefined> {
    const marker = await this.openStores();
    this.startProcessors();
    return marker;
  }

  /** The first half of `initialize`: a live task restores its stores from their changelogs in between. */
  async openStores(): Promise<string | undefined> {
    for (const [name, builder] of this.#topology.stores) {
      const store = builder.build();
      await store.open(this.#options.stateDir ? join(this.#options.stateDir, this.id, name) : undefined);
      this.#stores.set(name, store);
    }
    const markers = new Set([...this.#stores.values()].map((s) => s.committedMarker));
    const marker = markers.size === 1 ? [...markers][0] : undefined;
    // Stores without a marker were never flushed, so they are empty: only a disagreement needs a wipe.
    if (marker === undefined && markers.size > 1) await this.wipeStores();
    return marker;
  }

  async wipeStores(): Promise<void> {
    for (const store of this.#stores.values()) await store.wipe();
  }

  /** The second half of `initialize`: processors see their stores as opened (and restored). */
  startProcessors(): void {
    for (const node of this.#topology.nodes) {
      if (node.kind !== 'processor') continue;
      const processor = node.supplier();
      this.#processors.set(node.name, processor);
      if (processor.flush) this.#flushing.push(processor);
      processor.init?.(this.#context(node));
    }
  }

  /** Resume the stream time saved with a commit, so punctuation continues as it would have. */
  restoreStreamTime(streamTime: number): void {
    this.#streamTime = streamTime;
    // The schedule is a function of stream time alone: the next punctuation is where it would have been.
    for (const s of this.#scheduled) s.next = alignedAfter(streamTime, s.intervalMs);
  }

  /** Feed one record from the named source. */
  process(sourceName: string, record: StreamRecord): void {
    this.#current = record;
    this.metrics.recordsIn++;
    if (record.timestamp > this.#streamTime) this.#streamTime = record.timestamp;
    this.#forward(sourceName, record);
    this.#current = undefined;
    this.#punctuate();
  }

  /** Move stream time forward without a record: `Infinity` marks the end of a bounded input. */
  advanceStreamTime(time: number): void {
    if (time <= this.#streamTime) return;
    this.#streamTime = time;
    this.#punctuate();
  }

  /** End of a batch: processors that hold records forward them, upstream first (see Processor.flush). */
  async flush(): Promise<void> {
    for (const processor of this.#flushing) await processor.flush!();
  }

  /** Some store's write-back buffer is full: commit before it grows further. */
  get needsCommit(): boolean {
    for (const store of this.#stores.values()) if (store.needsFlush) return true;
    return false;
  }

  /**
   * Flush every store in one batch each, tagged with `marker`; `log` receives each change, by store.
   * Every store's changes are taken before this returns its promise (see StateStore.flush).
   */
  async commit(marker: string, log?: (store: string, key: string, value: Uint8Array | null) => void): Promise<void> {
    const started = performance.now();
    await Promise.all([...this.#stores].map(([name, store]) => store.flush(marker, log && ((key, value) => log(name, key, value)))));
    this.metrics.commits++;
    this.metrics.commitMs += performance.now() - started;
  }

  async close(): Promise<void> {
    for (const processor of this.#processors.values()) processor.close?.();
    for (const store of this.#stores.values()) await store.close();
  }

  #forward(from: string, record: StreamRecord, childName?: string): void {
    const children = this.#topology.children.get(from)!;
    for (const child of children) {
      if (childName !== undefined && child !== childName) continue;
      const processor = this.#processors.get(child);
      if (processor) processor.process(record);
      else {
        this.metrics.recordsOut++;
        this.#options.emit(child, record);
      }
    }
  }

  #punctuate(): void {
    for (const s of this.#scheduled) {
      if (s.next === undefined) s.next = alignedAfter(this.#streamTime, s.intervalMs);
      if (this.#streamTime >= s.next) {
        s.punctuator(this.#streamTime);
        s.next = alignedAfter(this.#streamTime, s.intervalMs);
      }
    }
  }

  #context(node: TopologyNode): ProcessorContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the context's getters have their own `this`
    const task = this;
    const children = this.#topology.children.get(node.name)!;
    return {
      taskId: this.id,
      partition: this.partition,
      processorName: node.name,
      get streamTime() {
        return task.#streamTime;
      },
      get currentRecord() {
        return task.#current;
      },
      forward(record, childName) {
        if (childName !== undefined && !children.includes(childName)) {
          throw new Error(`processor "${node.name}" has no child "${childName}" (children: ${children.join(', ') || 'none'})`);
        }
        task.#forward(node.name, record, childName);
      },
      getStateStore<S extends StateStore>(name: string): S {
        if (node.kind !== 'processor' || !node.stores.includes(name)) {
          throw new Error(`processor "${node.name}" is not connected to state store "${name}"`);
        }
        return task.#stores.get(name) as S;
      },
      schedule(intervalMs, punctuator) {
        if (!(intervalMs > 0))
          throw new Error(`processor "${node.name}" scheduled a punctuation every ${intervalMs} ms; it must be positive`);
        const next = Number.isFinite(task.#streamTime) ? alignedAfter(task.#streamTime, intervalMs) : undefined;
        task.#scheduled.push({ intervalMs, next, punctuator });
      },
      reject(record, reason) {
        const origin = task.#current ?? record;
        const letter: DeadLetter = {
          reason,
          processor: node.name,
          original: origin.value,
          source: origin.position?.source,
          partition: origin.position?.partition,
          offset: origin.position?.offset,
        };
        task.metrics.deadLetter(reason);
        task.#options.emit(DEAD_LETTER, {
          key: origin.key,
          value: letter,
          timestamp: origin.timestamp,
          headers: { ...origin.headers, reason, processor: node.name },
        });
      },
    };
  }
}

function alignedAfter(time: number, intervalMs: number): number {
  if (!Number.isFinite(time)) return time === Infinity ? Infinity : -Infinity;
  return Math.floor(time / intervalMs) * intervalMs + intervalMs;
}
