import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuiltTopology } from '../topology/Topology.ts';
import { DEAD_LETTER } from '../topology/Topology.ts';
import type { OutputWriter } from '../topology/OutputWriter.ts';
import type { StreamRecord } from '../topology/Record.ts';
import { StreamTask } from '../topology/StreamTask.ts';
import { TaskMetrics } from '../topology/TaskMetrics.ts';
import { partitionFor } from '../topology/partitioner.ts';
import type { BoundedInput } from './BoundedInput.ts';
import { mergeByEventTime } from './mergeByEventTime.ts';

export interface BackfillOptions {
  topology: BuiltTopology;
  /** Listed in tie-break order: at equal event time, earlier inputs go first. */
  inputs: BoundedInput[];
  /** Sink name → where its records go; DEAD_LETTER included. */
  writers: ReadonlyMap<string, OutputWriter>;
  partitions: number;
  stateDir: string;
  /** Records between commits. */
  commitEvery: number;
  /** Identifies the job (inputs, options); a checkpoint from another job is refused. */
  fingerprint: string;
  /** Ignore and discard any checkpoint. */
  fresh?: boolean;
  onProgress?: (done: number, total: number | undefined) => void;
  onLog?: (line: string) => void;
  /** For crash tests: stop after this many records as if killed, committing nothing more. */
  stopAfter?: number;
}

interface Checkpoint {
  fingerprint: string;
  marker: string;
  /** Records consumed per input id. */
  consumed: Record<string, number>;
  /** Stream time per task; null before its first record. */
  streamTimes: (number | null)[];
  writers: Record<string, unknown>;
  finished: boolean;
}

export interface BackfillSummary {
  recordsIn: number;
  recordsOut: number;
  deadLetters: Map<string, number>;
  resumedFrom: number;
  elapsedMs: number;
}

/**
 * Replays bounded inputs through the topology: merged into event-time order, keyed records routed to
 * the task of their partition (Kafka's partitioner, as live), committed every `commitEvery` records.
 * A commit writes the sinks, then the stores, then the checkpoint, so a run killed at any point
 * resumes to the same output as one that was never interrupted.
 */
export class BackfillRunner {
  readonly #o: BackfillOptions;
  readonly #checkpointPath: string;

  constructor(options: BackfillOptions) {
    this.#o = options;
    this.#checkpointPath = join(options.stateDir, 'checkpoint.json');
  }

  async run(): Promise<BackfillSummary> {
    const started = performance.now();
    const o = this.#o;
    if (o.fresh) await rm(o.stateDir, { recursive: true, force: true });
    await mkdir(o.stateDir, { recursive: true });
    const checkpoint = await this.#readCheckpoint();

    const emit = (sink: string, record: StreamRecord) => {
      const writer = o.writers.get(sink);
      if (!writer) throw new Error(`sink "${sink}" has no output configured`);
      writer.write(record);
    };
    const tasks = Array.from({ length: o.partitions }, (_, partition) => new StreamTask(o.topology, { partition, stateDir: join(o.stateDir, 'tasks'), emit }));
    const markers = [];
    for (const task of tasks) markers.push(await task.initialize());

    // Local state is trusted only if every task's stores are at the checkpoint's commit.
    let resume = checkpoint;
    if (resume && markers.some((m) => m !== resume!.marker)) {
      o.onLog?.(`state in ${o.stateDir} is not at checkpoint ${resume.marker}: starting over`);
      for (const task of tasks) await task.wipeStores();
      resume = undefined;
    }
    // The run id, derived from the job, names the files a writer may call its own (a re-run of the job
    // replaces its own output). Every output checks before any starts: a refused start writes nothing.
    const run = createHash('sha256').update(o.fingerprint).digest('hex').slice(0, 12);
    for (const [sink, writer] of o.writers) await writer.check(resume?.writers[sink], run);
    for (const [sink, writer] of o.writers) await writer.resume(resume?.writers[sink], run);
    const consumed: Record<string, number> = { ...(resume?.consumed ?? {}) };
    if (resume) {
      resume.streamTimes.forEach((t, i) => t !== null && tasks[i].restoreStreamTime(t));
      o.onLog?.(`resuming from checkpoint ${resume.marker}`);
    }
    const resumedFrom = Object.values(consumed).reduce((a, b) => a + b, 0);
    let commitSeq = resume ? Number(resume.marker) : 0;

    const commit = async (finished: boolean) => {
      for (const task of tasks) await task.flush();
      const marker = String(++commitSeq);
      const writers: Record<string, unknown> = {};
      for (const [sink, writer] of o.writers) writers[sink] = await writer.commit();
      for (const task of tasks) await task.commit(marker);
      const next: Checkpoint = { fingerprint: o.fingerprint, marker, consumed, streamTimes: tasks.map((t) => (Number.isFinite(t.streamTime) ? t.streamTime : null)), writers, finished };
      await writeFile(this.#checkpointPath + '.tmp', JSON.stringify(next));
      await rename(this.#checkpointPath + '.tmp', this.#checkpointPath);
    };

    let done = resumedFrom;
    if (!resume?.finished) {
      const total = await this.#estimate();
      const skipping = o.inputs.map((input) => skip(input.batches(), consumed[input.id] ?? 0));
      let sinceCommit = 0;
      let lastProgress = 0;
      for await (const batch of mergeByEventTime(skipping)) {
        for (let i = 0; i < batch.records.length; i++) {
          const record = batch.records[i];
          const { id, source, broadcast } = o.inputs[batch.inputs[i]];
          consumed[id] = (consumed[id] ?? 0) + 1;
          if (record.key === null && broadcast) for (const task of tasks) task.process(source, record);
          else tasks[record.key === null ? 0 : partitionFor(record.key, o.partitions)].process(source, record);
          done++;
          if (o.stopAfter !== undefined && done >= o.stopAfter) {
            // Simulated crash: release files and locks, commit nothing.
            for (const writer of o.writers.values()) await writer.close();
            for (const task of tasks) await task.close();
            return this.#summary(tasks, resumedFrom, started);
          }
          if (++sinceCommit >= o.commitEvery) {
            await commit(false);
            sinceCommit = 0;
          }
        }
        for (const task of tasks) await task.flush();
        // A store whose write-back buffer is full commits early (checked once per batch).
        if (sinceCommit > 0 && tasks.some((t) => t.needsCommit)) {
          await commit(false);
          sinceCommit = 0;
        }
        if (o.onProgress && done - lastProgress >= 10_000) {
          o.onProgress(done, total);
          lastProgress = done;
        }
      }
      // End of bounded input: stream time to infinity closes every open window.
      for (const task of tasks) task.advanceStreamTime(Infinity);
      await commit(true);
      o.onProgress?.(done, done);
    }
    for (const writer of o.writers.values()) await writer.close();
    for (const task of tasks) await task.close();
    return this.#summary(tasks, resumedFrom, started);
  }

  #summary(tasks: StreamTask[], resumedFrom: number, started: number): BackfillSummary {
    const total = new TaskMetrics();
    for (const task of tasks) {
      total.recordsIn += task.metrics.recordsIn;
      total.recordsOut += task.metrics.recordsOut;
      for (const [reason, n] of task.metrics.deadLetters) total.deadLetters.set(reason, (total.deadLetters.get(reason) ?? 0) + n);
    }
    return { recordsIn: total.recordsIn, recordsOut: total.recordsOut, deadLetters: total.deadLetters, resumedFrom, elapsedMs: performance.now() - started };
  }

  async #estimate(): Promise<number | undefined> {
    let total = 0;
    for (const input of this.#o.inputs) {
      const n = await input.estimatedRecords();
      if (n === undefined) return undefined;
      total += n;
    }
    return total;
  }

  async #readCheckpoint(): Promise<Checkpoint | undefined> {
    let text: string;
    try {
      text = await readFile(this.#checkpointPath, 'utf8');
    } catch {
      return undefined;
    }
    const checkpoint = JSON.parse(text) as Checkpoint;
    if (checkpoint.fingerprint !== this.#o.fingerprint) {
      throw new Error(`state directory ${this.#o.stateDir} holds the checkpoint of a different backfill (other inputs or options); pass --fresh to discard it, or choose another --state-dir`);
    }
    return checkpoint;
  }
}

/** Drop the first `n` records: the ones a resumed run has already processed. */
async function* skip(batches: AsyncIterable<StreamRecord[]>, n: number): AsyncGenerator<StreamRecord[]> {
  let left = n;
  for await (const batch of batches) {
    if (left >= batch.length) left -= batch.length;
    else {
      yield left ? batch.slice(left) : batch;
      left = 0;
    }
  }
}

export { DEAD_LETTER };
