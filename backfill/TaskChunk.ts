import type { StreamRecord } from '../topology/StreamRecord.ts';
import { batchOfRecords } from '../topology/RecordBatch.ts';
import type { StreamTask } from '../topology/StreamTask.ts';

/** One task's consecutive records of one source, and their positions in the merged input. */
interface Run {
  source: string;
  records: StreamRecord[];
  positions: number[];
}

/**
 * A stretch of the merged input handed to the tasks as one batch per task (and per run of one source),
 * instead of one record at a time. Tasks share nothing, so each may take its records together; what
 * they emit is held and written, sink by sink, in input order (the position of the record that caused
 * it, ties in task order), which is the order a record-at-a-time run writes. Outside `run` (a flush,
 * the end of input, a record for every task), what the tasks emit is written at once, as then.
 */
export class TaskChunk {
  readonly #tasks: readonly StreamTask[];
  readonly #write: (sink: string, record: StreamRecord) => void;
  /** Per task index; filled as records come. */
  readonly #runs: Run[][] = [];
  #pending = 0;
  /** While running: the positions of the run being processed, and what has been emitted, by sink. */
  #positions: number[] | undefined;
  readonly #held = new Map<string, { positions: number[]; records: StreamRecord[] }>();

  constructor(tasks: readonly StreamTask[], write: (sink: string, record: StreamRecord) => void) {
    this.#tasks = tasks;
    this.#write = write;
  }

  /** For the tasks' options: what a task emits. */
  readonly emit = (sink: string, record: StreamRecord, row: number): void => {
    if (!this.#positions) return this.#write(sink, record);
    if (row < 0) throw new Error(`a task emitted to "${sink}" without an input row while processing a batch`);
    let held = this.#held.get(sink);
    if (!held) this.#held.set(sink, (held = { positions: [], records: [] }));
    held.positions.push(this.#positions[row]);
    held.records.push(record);
  };

  get length(): number {
    return this.#pending;
  }

  /** The record at `position` of the merged input, for task `task`. */
  add(task: number, source: string, record: StreamRecord, position: number): void {
    const runs = (this.#runs[task] ??= []);
    let last = runs.at(-1);
    if (!last || last.source !== source) runs.push((last = { source, records: [], positions: [] }));
    last.records.push(record);
    last.positions.push(position);
    this.#pending++;
  }

  /** Process what was added, task by task, then write the outputs in input order. */
  run(): void {
    if (!this.#pending) return;
    try {
      for (let t = 0; t < this.#tasks.length; t++) {
        for (const { source, records, positions } of this.#runs[t] ?? []) {
          this.#positions = positions;
          this.#tasks[t].processBatch(source, batchOfRecords(records));
        }
        this.#runs[t] = [];
      }
    } finally {
      this.#positions = undefined;
      this.#pending = 0;
    }
    for (const [sink, { positions, records }] of this.#held) {
      // Each task's outputs are in input order already: a stable sort by position interleaves them.
      const order = Array.from(records, (_, i) => i).sort((a, b) => positions[a] - positions[b] || a - b);
      for (const i of order) this.#write(sink, records[i]);
    }
    this.#held.clear();
  }
}
