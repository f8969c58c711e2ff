import { join } from 'node:path';
import { isBatchProcessor, type BatchProcessor, type Processor } from './Processor.ts';
import type { BatchContext, Punctuator } from './ProcessorContext.ts';
import type { StreamRecord } from './StreamRecord.ts';
import { DEAD_LETTER, type BuiltTopology, type TopologyNode } from './Topology.ts';
import type { StateStore } from '../state/StateStore.ts';
import { TaskMetrics } from './TaskMetrics.ts';
import { BatchOfOne, RecordBatchBuilder, compareOrder, materialize, orderKey, sliceRows, type RecordBatch } from './RecordBatch.ts';
import { SymbolTable } from './SymbolTable.ts';

/**
 * `row`: the row of the batch given to `processBatch` that caused the record (the last row of its
 * segment for a punctuation), so a caller feeding several tasks can put their outputs back in input
 * order; -1 for records of a call without input (advanceStreamTime, flush).
 */
export type Emit = (sinkName: string, record: StreamRecord, row: number) => void;

export interface StreamTaskOptions {
  partition: number;
  /** Where this task's stores live: `<stateDir>/<taskId>/<store>`. Memory-only stores when absent. */
  stateDir?: string;
  /** Receives every record that reaches a sink, and dead letters under DEAD_LETTER. */
  emit: Emit;
  /** Interned symbols, to share one table across tasks (the test driver does); the task's own when absent. */
  symbols?: SymbolTable;
  /**
   * Pass each record depth first through the processors, as before batches: the meaning the batch
   * path is tested against. Also taken for a topology whose meaning batches could change (see batchesWouldReorder).
   */
  recordAtATime?: boolean;
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
  node: Running;
}

/** A processor as the task runs it over batches. */
interface Running {
  readonly name: string;
  readonly processor: Processor;
  readonly children: readonly string[];
  /** The children resolved: a processor, or a sink's name. */
  readonly targets: Target[];
  /** Has `processBatch`. */
  readonly batch: boolean;
  /** One per child: what the processor forwards to it during the current step. */
  readonly outs: RecordBatchBuilder[];
  /** Forwards and rejects so far, counted together: their order within a step. */
  seq: number;
  /** In a step (an input batch, a punctuation): forwards are collected, then go to the children as batches. */
  open: boolean;
  /** The step's input (undefined in a punctuation), the child edge it came by, the row being worked on. */
  input: RecordBatch | undefined;
  edge: number;
  row: number;
}

type Target = Running | string;

/** A dead letter held until the end of a step, with its place in a record-at-a-time run. */
interface HeldDeadLetter {
  order: number[];
  record: StreamRecord<DeadLetter>;
  row: number;
}

/**
 * Runs the topology for one partition: its own processors, its own stores, its own stream time.
 * Records come in batches (one record is a batch of one) and mean exactly what they would one at a
 * time, in the order given. A batch is cut into segments where a punctuation would fire; each
 * segment goes through the processors one node at a time (each node's outputs as one batch to each
 * child), then the punctuation runs. Per sink, that is the record-at-a-time order, because each
 * node sees its input in order and nodes share no state within a segment but the external table,
 * which is fed by a source of its own (a batch never mixes sources). Dead letters, which come from
 * many nodes, are held to the end of the step and put back in record-at-a-time order.
 */
export class StreamTask {
  readonly id: string;
  readonly partition: number;
  readonly metrics = new TaskMetrics();
  readonly symbols: SymbolTable;
  readonly #topology: BuiltTopology;
  readonly #options: StreamTaskOptions;
  readonly #stores = new Map<string, StateStore>();
  readonly #running = new Map<string, Running>();
  /** Each source's children, resolved. */
  readonly #sourceTargets = new Map<string, Target[]>();
  /** The processors with a `flush`, in topology order. */
  readonly #flushing: Processor[] = [];
  readonly #scheduled: Scheduled[] = [];
  /** True: every record passes depth first through the processors (see StreamTaskOptions.recordAtATime). */
  readonly #depthFirst: boolean;
  readonly #one = new BatchOfOne();
  #streamTime = -Infinity;
  /** The source batch being processed, and the row of it being worked on (-1: none). */
  #source: RecordBatch | undefined;
  #sourceRow = -1;
  /** In a punctuation during processBatch: the row after which it fires (-1: none). */
  #punctuationRow = -1;
  /** Stream time after each row of the source batch (indexed by row). */
  #rowTime = new Float64Array(16);
  /** Open steps; dead letters are held while there is one. */
  #depth = 0;
  #deadLetters: HeldDeadLetter[] = [];

  constructor(topology: BuiltTopology, options: StreamTaskOptions) {
    this.#topology = topology;
    this.#options = options;
    this.partition = options.partition;
    this.id = `0_${options.partition}`;
    this.symbols = options.symbols ?? new SymbolTable();
    this.#depthFirst = options.recordAtATime === true || batchesWouldReorder(topology);
  }

  get streamTime(): number {
    return this.#streamTime;
  }

  /** Whether records pass depth first, one at a time, instead of node by node (asked, or the topology needs it). */
  get recordAtATime(): boolean {
    return this.#depthFirst;
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
      const children = this.#topology.children.get(node.name)!;
      const running: Running = {
        name: node.name,
        processor,
        children,
        targets: [],
        batch: isBatchProcessor(processor),
        outs: children.map(() => new RecordBatchBuilder()),
        seq: 0,
        open: false,
        input: undefined,
        edge: 0,
        row: -1,
      };
      this.#running.set(node.name, running);
      if (processor.flush) this.#flushing.push(processor);
      processor.init?.(this.#context(node, running));
    }
    for (const node of this.#topology.nodes) {
      const targets = this.#topology.children.get(node.name)!.map((child) => this.#running.get(child) ?? child);
      if (node.kind === 'source') this.#sourceTargets.set(node.name, targets);
      else this.#running.get(node.name)?.targets.push(...targets);
    }
  }

  /** Resume the stream time saved with a commit, so punctuation continues as it would have. */
  restoreStreamTime(streamTime: number): void {
    this.#streamTime = streamTime;
    // The schedule is a function of stream time alone: the next punctuation is where it would have been.
    for (const s of this.#scheduled) s.next = alignedAfter(streamTime, s.intervalMs);
  }

  /** Feed one record from the named source: a batch of one. */
  process(sourceName: string, record: StreamRecord): void {
    this.processBatch(sourceName, this.#one.set(record));
  }

  /** Feed a batch from the named source, as if its records came one at a time. A source batch's `row[i]` is i. */
  processBatch(sourceName: string, batch: RecordBatch): void {
    this.#source = batch;
    try {
      if (this.#depthFirst) for (let i = 0; i < batch.length; i++) this.#processDepthFirst(sourceName, batch, i);
      else this.#processSegments(sourceName, batch);
    } catch (e) {
      this.#abandonSteps();
      throw e;
    } finally {
      this.#source = undefined;
      this.#sourceRow = -1;
      this.#punctuationRow = -1;
    }
  }

  #processSegments(sourceName: string, batch: RecordBatch): void {
    if (this.#rowTime.length < batch.length) this.#rowTime = new Float64Array(batch.length * 2);
    const targets = this.#sourceTargets.get(sourceName)!;
    for (let start = 0; start < batch.length;) {
      const end = this.#segmentEnd(batch, start);
      this.metrics.recordsIn += end - start;
      this.#depth++;
      for (let e = 0; e < targets.length; e++) this.#deliver(targets[e], batch, e, start, end);
      this.#streamTime = this.#rowTime[end - 1];
      this.#sourceRow = -1;
      this.#endStep();
      this.#punctuationRow = end - 1;
      this.#punctuate();
      this.#punctuationRow = -1;
      start = end;
    }
  }

  /**
   * A processor threw: what the interrupted steps collected is dropped (the caller drops or replays
   * the task, as after a throw one record at a time), and the task is ready for its next call.
   */
  #abandonSteps(): void {
    for (const node of this.#running.values()) {
      node.open = false;
      node.input = undefined;
    }
    this.#depth = 0;
    this.#deadLetters = [];
  }

  /** Move stream time forward without a record: `Infinity` marks the end of a bounded input. */
  advanceStreamTime(time: number): void {
    if (time <= this.#streamTime) return;
    this.#streamTime = time;
    try {
      this.#punctuate();
    } catch (e) {
      this.#abandonSteps();
      throw e;
    }
  }

  /** End of a batch: processors that hold records forward them, upstream first (see Processor.flush). */
  async flush(): Promise<void> {
    try {
      for (const processor of this.#flushing) await processor.flush!();
    } catch (e) {
      this.#abandonSteps();
      throw e;
    }
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
    for (const { processor } of this.#running.values()) processor.close?.();
    for (const store of this.#stores.values()) await store.close();
  }

  /**
   * Where the segment starting at `start` ends (exclusive): after the first row at which a punctuation
   * is due, as `#punctuate` would find after that row. Records each row's stream time on the way.
   */
  #segmentEnd(batch: RecordBatch, start: number): number {
    let time = this.#streamTime;
    for (let r = start; r < batch.length; r++) {
      const t = batch.timestamp[r];
      if (t > time) time = t;
      this.#rowTime[r] = time;
      for (const s of this.#scheduled) {
        // Setting a first `next` here is what `#punctuate` after this row would do: no processor sees it.
        if (s.next === undefined) s.next = alignedAfter(time, s.intervalMs);
        if (time >= s.next) return r + 1;
      }
    }
    return batch.length;
  }

  /** Rows [lo, hi) of `batch` to a child, which came to it by its parent's child edge `edge`. */
  #deliver(node: Target, batch: RecordBatch, edge: number, lo: number, hi: number): void {
    if (typeof node === 'string') {
      this.metrics.recordsOut += hi - lo;
      for (let r = lo; r < hi; r++) {
        const row = batch.row[r];
        this.#options.emit(node, materialize(batch, r, this.symbols), row >= 0 ? row : this.#punctuationRow);
      }
      return;
    }
    const processor = node.processor as Processor & Partial<BatchProcessor>;
    if (node.batch) {
      const input = lo === 0 && hi === batch.length ? batch : sliceRows(batch, lo, hi);
      this.#open(node, input, edge);
      node.row = -1; // until the processor says which row it works on (context.at)
      processor.processBatch!(input);
    } else {
      this.#open(node, batch, edge);
      for (let r = lo; r < hi; r++) {
        this.#at(node, r);
        processor.process(materialize(batch, r, this.symbols));
      }
    }
    this.#close(node);
  }

  /** A step of `node` begins: what it forwards is collected until `#close`. */
  #open(node: Running, input: RecordBatch | undefined, edge: number): void {
    node.open = true;
    node.input = input;
    node.edge = edge;
    for (const out of node.outs) out.reset(input, edge);
    this.#depth++;
  }

  /** The step's outputs go on to the children, each as one batch, in child order. */
  #close(node: Running): void {
    node.open = false;
    for (let e = 0; e < node.children.length; e++) {
      const out = node.outs[e];
      if (out.length) this.#deliver(node.targets[e], out.build(), e, 0, out.length);
    }
    node.input = undefined;
    this.#endStep();
  }

  #endStep(): void {
    if (--this.#depth > 0 || !this.#deadLetters.length) return;
    const held = this.#deadLetters.sort((a, b) => compareOrder(a.order, b.order));
    this.#deadLetters = [];
    for (const { record, row } of held) this.#options.emit(DEAD_LETTER, record, row);
  }

  /** `node` works on row `r` of its input: stream time and current record are those of its source row. */
  #at(node: Running, r: number): void {
    node.row = r;
    const sourceRow = node.input!.row[r];
    if (sourceRow < 0) return; // from a punctuation: the task's own stream time, no current record
    this.#sourceRow = sourceRow;
    this.#streamTime = this.#rowTime[sourceRow];
  }

  #forward(node: Running, record: StreamRecord, childName: string | undefined): void {
    if (this.#depthFirst) return this.#forwardNow(node.name, record, childName);
    const opened = !node.open;
    if (opened) this.#open(node, undefined, 0); // forwarded outside a step (a flush): a step of its own
    if (node.input && node.row < 0) throw new Error(`processor "${node.name}" forwarded in processBatch before context.at(row)`);
    const from = node.input ? node.row : -1;
    const row = node.input ? node.input.row[node.row] : -1;
    const seq = node.seq++;
    for (let e = 0; e < node.children.length; e++) {
      if (childName === undefined || node.children[e] === childName) node.outs[e].append(record, row, from, seq);
    }
    if (opened) this.#close(node);
  }

  #processDepthFirst(sourceName: string, batch: RecordBatch, i: number): void {
    const record = materialize(batch, i, this.symbols);
    this.#sourceRow = i;
    this.metrics.recordsIn++;
    if (record.timestamp > this.#streamTime) this.#streamTime = record.timestamp;
    this.#forwardNow(sourceName, record);
    this.#sourceRow = -1;
    this.#punctuationRow = i;
    this.#punctuate();
    this.#punctuationRow = -1;
  }

  #forwardNow(from: string, record: StreamRecord, childName?: string): void {
    const children = this.#topology.children.get(from)!;
    for (const child of children) {
      if (childName !== undefined && child !== childName) continue;
      const running = this.#running.get(child);
      if (running) running.processor.process(record);
      else {
        this.metrics.recordsOut++;
        this.#options.emit(child, record, this.#emittingRow);
      }
    }
  }

  #punctuate(): void {
    for (const s of this.#scheduled) {
      if (s.next === undefined) s.next = alignedAfter(this.#streamTime, s.intervalMs);
      if (this.#streamTime >= s.next) {
        if (this.#depthFirst) s.punctuator(this.#streamTime);
        else {
          this.#open(s.node, undefined, 0);
          s.punctuator(this.#streamTime);
          this.#close(s.node);
        }
        s.next = alignedAfter(this.#streamTime, s.intervalMs);
      }
    }
  }

  /** The input row an output comes from now (see Emit). */
  get #emittingRow(): number {
    return this.#sourceRow >= 0 ? this.#sourceRow : this.#punctuationRow;
  }

  get #currentRecord(): StreamRecord | undefined {
    return this.#sourceRow < 0 ? undefined : materialize(this.#source!, this.#sourceRow, this.symbols);
  }

  #reject(node: Running, record: StreamRecord, reason: string): void {
    if (node.input && node.row < 0) throw new Error(`processor "${node.name}" rejected in processBatch before context.at(row)`);
    const origin = this.#currentRecord ?? record;
    const letter: DeadLetter = {
      reason,
      processor: node.name,
      original: origin.value,
      source: origin.position?.source,
      partition: origin.position?.partition,
      offset: origin.position?.offset,
    };
    this.metrics.deadLetter(reason);
    const deadLetter = {
      key: origin.key,
      value: letter,
      timestamp: origin.timestamp,
      headers: { ...origin.headers, reason, processor: node.name },
    };
    const row = this.#emittingRow;
    if (this.#depthFirst || this.#depth === 0) return this.#options.emit(DEAD_LETTER, deadLetter, row);
    const seq = node.seq++;
    const order = node.input ? [...orderKey(node.input, node.row), node.edge, seq] : [seq];
    this.#deadLetters.push({ order, record: deadLetter, row });
  }

  #context(node: TopologyNode, running: Running): BatchContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the context's getters have their own `this`
    const task = this;
    const children = running.children;
    return {
      taskId: this.id,
      partition: this.partition,
      processorName: node.name,
      symbols: this.symbols,
      get streamTime() {
        return task.#streamTime;
      },
      get currentRecord() {
        return task.#currentRecord;
      },
      at(i) {
        task.#at(running, i);
      },
      forward(record, childName) {
        if (childName !== undefined && !children.includes(childName)) {
          throw new Error(`processor "${node.name}" has no child "${childName}" (children: ${children.join(', ') || 'none'})`);
        }
        task.#forward(running, record, childName);
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
        task.#scheduled.push({ intervalMs, next, punctuator, node: running });
      },
      reject(record, reason) {
        task.#reject(running, record, reason);
      },
    };
  }
}

/**
 * True when running node by node could change what a processor sees, so the task must go depth first:
 * some node gets one source's records along two paths (a diamond: each edge's rows come as one batch,
 * which reorders them), or two processors with a common ancestor share a store (one would see the
 * other's writes of later rows). The market topology has neither: its shared store, the external
 * table, is written from the external source and read from the prices source.
 */
function batchesWouldReorder(topology: BuiltTopology): boolean {
  const ancestors = new Map<string, Set<string>>();
  for (const node of topology.nodes) {
    const mine = new Set([node.name]);
    for (const parent of node.parents) {
      const theirs = ancestors.get(parent)!;
      // An ancestor already reached through another parent: two paths from it.
      for (const a of theirs) if (mine.has(a)) return true;
      for (const a of theirs) mine.add(a);
    }
    ancestors.set(node.name, mine);
  }
  const sharers = new Map<string, string[]>();
  for (const node of topology.nodes) {
    if (node.kind === 'processor') for (const store of node.stores) sharers.set(store, [...(sharers.get(store) ?? []), node.name]);
  }
  for (const names of sharers.values()) {
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        const [a, b] = [ancestors.get(names[i])!, ancestors.get(names[j])!];
        if ([...a].some((x) => b.has(x))) return true;
      }
    }
  }
  return false;
}

function alignedAfter(time: number, intervalMs: number): number {
  if (!Number.isFinite(time)) return time === Infinity ? Infinity : -Infinity;
  return Math.floor(time / intervalMs) * intervalMs + intervalMs;
}
