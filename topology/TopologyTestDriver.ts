import type { StreamRecord, Headers } from './StreamRecord.ts';
import { DEAD_LETTER, type BuiltTopology } from './Topology.ts';
import { StreamTask, type DeadLetter } from './StreamTask.ts';
import { partitionFor } from './partitioner.ts';
import { batchOfRecords } from './RecordBatch.ts';
import { SymbolTable } from './SymbolTable.ts';
import type { StateStore } from '../state/StateStore.ts';

/** How the test driver runs a topology: its partitions (tasks), and where its stores persist. */
export interface TestDriverOptions {
  partitions?: number;
  /** Persist stores under this directory (LevelDB); memory-only when absent. */
  stateDir?: string;
  /** Run each record depth first through the processors, without batches (see StreamTaskOptions). */
  recordAtATime?: boolean;
}

/** A row for `pipeBatch`. */
export interface TestRecord {
  key: string | null;
  value: unknown;
  timestamp: number;
  headers?: Headers;
}

/**
 * Runs a topology in-process without Kafka, as Kafka Streams' TopologyTestDriver does:
 * pipe records in, read what reached each sink, inspect stores, move stream time.
 */
export class TopologyTestDriver {
  readonly tasks: StreamTask[];
  readonly #outputs = new Map<string, StreamRecord[]>();
  #offset = 0;

  private constructor(topology: BuiltTopology, options: TestDriverOptions) {
    const partitions = options.partitions ?? 1;
    const emit = (sink: string, record: StreamRecord) => {
      let list = this.#outputs.get(sink);
      if (!list) this.#outputs.set(sink, (list = []));
      list.push(record);
    };
    const symbols = new SymbolTable();
    const { stateDir, recordAtATime } = options;
    this.tasks = Array.from(
      { length: partitions },
      (_, partition) => new StreamTask(topology, { partition, stateDir, emit, symbols, recordAtATime }),
    );
  }

  static async create(topology: BuiltTopology, options: TestDriverOptions = {}): Promise<TopologyTestDriver> {
    const driver = new TopologyTestDriver(topology, options);
    for (const task of driver.tasks) await task.initialize();
    return driver;
  }

  /** One record, as one batch of one. */
  pipeInput(source: string, key: string | null, value: unknown, timestamp: number, headers: Headers = {}): void {
    const partition = this.#partitionOf(key);
    const offset = this.#offset++;
    this.tasks[partition].process(source, { key, value, timestamp, headers, position: { source, partition, offset } });
  }

  /**
   * Records as multi-row batches: each task gets its records, in order, as one batch. Per task that
   * means what piping them one by one means; across tasks, outputs come task by task.
   */
  pipeBatch(source: string, records: readonly TestRecord[]): void {
    const perTask = this.tasks.map((): StreamRecord[] => []);
    for (const { key, value, timestamp, headers = {} } of records) {
      const partition = this.#partitionOf(key);
      perTask[partition].push({ key, value, timestamp, headers, position: { source, partition, offset: this.#offset++ } });
    }
    perTask.forEach((list, partition) => list.length && this.tasks[partition].processBatch(source, batchOfRecords(list)));
  }

  #partitionOf(key: string | null): number {
    return key === null ? 0 : partitionFor(key, this.tasks.length);
  }

  /** Take every record that reached `sink` since the last read. */
  readOutput<V = Record<string, unknown>>(sink: string): StreamRecord<V>[] {
    const list = this.#outputs.get(sink) ?? [];
    this.#outputs.set(sink, []);
    return list as StreamRecord<V>[];
  }

  readValues<V = Record<string, unknown>>(sink: string): V[] {
    return this.readOutput<V>(sink).map((r) => r.value);
  }

  readDeadLetters(): DeadLetter[] {
    return this.readValues<DeadLetter>(DEAD_LETTER);
  }

  getStateStore<S extends StateStore>(name: string, partition = 0): S {
    const store = this.tasks[partition].stores.get(name);
    if (!store) throw new Error(`no state store "${name}" in this topology`);
    return store as S;
  }

  advanceStreamTime(time: number): void {
    for (const task of this.tasks) task.advanceStreamTime(time);
  }

  /** End the batch: processors that hold records (see Processor.flush) forward them. */
  async flush(): Promise<void> {
    for (const task of this.tasks) await task.flush();
  }

  async commit(marker = 'test'): Promise<void> {
    await this.flush();
    for (const task of this.tasks) await task.commit(marker);
  }

  async close(): Promise<void> {
    for (const task of this.tasks) await task.close();
  }
}
