import { createHash } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuiltTopology } from '../topology/Topology.ts';
import { DEAD_LETTER } from '../topology/Topology.ts';
import type { OutputWriter } from '../io/OutputWriter.ts';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import { StreamTask } from '../topology/StreamTask.ts';
import { TaskMetrics } from '../topology/TaskMetrics.ts';
import { partitionFor } from '../topology/partitioner.ts';
import type { BoundedInput } from './BoundedInput.ts';
import { mergeByEventTime } from './mergeByEventTime.ts';
import { TaskChunk } from './TaskChunk.ts';
import { makeDirectory, syncDirectory, writeDurably } from '../io/storage/durable.ts';
import { ownsPartition, type Shard } from './Shard.ts';

/** Records between flushes of the records processors hold (Processor.flush: a model scores them in one call). */
const FLUSH_EVERY = 4096;

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
  /** `--tasks I/N`: run only the tasks of this shard's partitions; other partitions' records are skipped. */
  shard?: Shard;
  /** What every shard of the job shares (fingerprint reads each shard's own inputs): their common run id's source. */
  shardsFingerprint?: string;
  /** Each record to its task as it comes, passed depth first: the meaning the batches are tested against. */
  recordAtATime?: boolean;
}

interface Checkpoint {
  fingerprint: string;
  marker: string;
  /** Records consumed per input id. */
  consumed: Record<string, number>;
  /** Stream time per task; null before its first record. */
  streamTimes: (number | null)[];
  writers: Record<string, unknown>;
  /** The writers' tokens before the run's first record: where they go back to when state is wiped. */
  start?: Record<string, unknown>;
  finished: boolean;
}

/** What a replay did: records in and out, by sink, dead letters by reason, where it resumed, how long it took. */
export interface BackfillSummary {
  recordsIn: number;
  recordsOut: number;
  /** Records this run wrote, by sink (features and signals counted apart). */
  written: Map<string, number>;
  deadLetters: Map<string, number>;
  resumedFrom: number;
  elapsedMs: number;
  /** Records of partitions another shard owns (--tasks): read, and left to that shard. */
  otherShards: number;
}

/**
 * Replays bounded inputs through the topology: merged into event-time order, keyed records routed to
 * the task of their partition (Kafka's partitioner, as live), committed every `commitEvery` records.
 *
 * The commit protocol, so that a run killed (or out of disk) at any step resumes to the same output
 * as one that was never interrupted:
 *  0. before the first record, checkpoint 0 records the writers' starting tokens;
 *  1. the sinks commit (their files durable and visible; each returns a token that can roll it back);
 *  2. every store writes its changes with commit marker N in one synced batch;
 *  3. checkpoint N (consumed counts, stream times, sink tokens) replaces checkpoint N−1, durably.
 * On start, stores are trusted only if every one is at the checkpoint's marker; otherwise (killed
 * between 2 and 3, or stores without a checkpoint) they are wiped and the run starts over from the
 * checkpoint's starting tokens. Sinks roll back to the checkpoint's tokens, undoing any step 1.
 */
export class BackfillRunner {
  readonly #o: BackfillOptions;
  readonly #checkpointPath: string;
  /** The job's fingerprint, and the shard's: a shard resumes only its own checkpoint. */
  readonly #fingerprint: string;

  constructor(options: BackfillOptions) {
    this.#o = options;
    this.#checkpointPath = join(options.stateDir, 'checkpoint.json');
    const { shard } = options;
    this.#fingerprint = shard ? `${options.fingerprint} tasks ${shard.index}/${shard.count}` : options.fingerprint;
  }

  async run(): Promise<BackfillSummary> {
    const tasks: StreamTask[] = [];
    try {
      return await this.#run(tasks);
    } catch (e) {
      // The caller may go on in this process (a library's, a refused start): release the stores' locks.
      // Closing writes nothing: what was not committed is lost, as in a crash.
      for (const task of tasks) await task.close().catch(() => undefined);
      throw e;
    }
  }

  /** The run; `tasks` receives the tasks as soon as they exist, for `run` to close if this throws. */
  async #run(tasks: StreamTask[]): Promise<BackfillSummary> {
    const started = performance.now();
    const o = this.#o;
    if (o.fresh) await this.#discardState();
    await makeDirectory(o.stateDir);
    const checkpoint = await this.#readCheckpoint();

    // Each sink's writer with the count of records this run gave it: one lookup a record.
    const outputs = new Map([...o.writers].map(([sink, writer]) => [sink, { writer, records: 0 }]));
    const write = (sink: string, record: StreamRecord) => {
      const output = outputs.get(sink);
      if (!output) throw new Error(`sink "${sink}" has no output configured`);
      output.writer.write(record);
      output.records++;
    };
    const written = () => new Map([...outputs].map(([sink, { records }]) => [sink, records]));
    // Each partition's task (its index in `tasks`), if this shard owns it: tasks of other shards'
    // partitions are never created.
    const chunk = new TaskChunk(tasks, write);
    const taskOf: (number | undefined)[] = [];
    for (let partition = 0; partition < o.partitions; partition++) {
      if (o.shard && !ownsPartition(o.shard, partition)) continue;
      taskOf[partition] = tasks.length;
      tasks.push(
        new StreamTask(o.topology, { partition, stateDir: join(o.stateDir, 'tasks'), emit: chunk.emit, recordAtATime: o.recordAtATime }),
      );
    }
    const markers = [];
    for (const task of tasks) markers.push(await task.initialize());

    // Local state is trusted only if every task's stores are at the checkpoint's commit.
    const resume = checkpoint && markers.every((m) => m === checkpoint.marker) ? checkpoint : undefined;
    if (!resume && markers.some((m) => m !== undefined)) {
      o.onLog?.(`state in ${o.stateDir} is not at ${checkpoint ? `checkpoint ${checkpoint.marker}` : 'a checkpoint'}: starting over`);
      for (const task of tasks) await task.wipeStores();
    }
    // The run id, derived from the job, names the files a writer may call its own (a re-run of the job
    // replaces its own output). Every output checks before any starts: a refused start writes nothing.
    // The N shards of one job share it (each writes its own bucket's files); a job split otherwise is another run.
    const runOf = o.shard
      ? createHash('sha256').update(`${o.shardsFingerprint ?? o.fingerprint} in ${o.shard.count} shards`)
      : createHash('sha256').update(o.fingerprint);
    const run = runOf.digest('hex').slice(0, 12);
    let commitSeq = checkpoint ? Number(checkpoint.marker) : 0;
    let start = checkpoint?.start;
    const from = (sink: string) => (resume ? resume.writers[sink] : start?.[sink]);
    for (const [sink, writer] of o.writers) await writer.check(from(sink), run);
    for (const [sink, writer] of o.writers) await writer.resume(from(sink), run);
    if (!start) {
      // Step 0: a new run says where its writers start before it writes anything.
      start = {};
      for (const [sink, writer] of o.writers) start[sink] = await writer.commit();
      await this.#writeCheckpoint({
        fingerprint: this.#fingerprint,
        marker: String(commitSeq),
        consumed: {},
        streamTimes: tasks.map(() => null),
        writers: start,
        start,
        finished: false,
      });
    }
    const consumed: Record<string, number> = { ...(resume?.consumed ?? {}) };
    if (resume) {
      resume.streamTimes.forEach((t, i) => t !== null && tasks[i].restoreStreamTime(t));
      o.onLog?.(`resuming from checkpoint ${resume.marker}`);
    }
    const resumedFrom = Object.values(consumed).reduce((a, b) => a + b, 0);

    const commit = async (finished: boolean) => {
      for (const task of tasks) await task.flush();
      const marker = String(++commitSeq);
      const writers: Record<string, unknown> = {};
      for (const [sink, writer] of o.writers) writers[sink] = await writer.commit();
      for (const task of tasks) await task.commit(marker);
      const streamTimes = tasks.map((t) => (Number.isFinite(t.streamTime) ? t.streamTime : null));
      await this.#writeCheckpoint({ fingerprint: this.#fingerprint, marker, consumed, streamTimes, writers, start, finished });
    };

    let done = resumedFrom;
    let otherShards = 0;
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
          if (record.key === null && broadcast) {
            // A record for every task comes between what they had before it and what they get after.
            chunk.run();
            for (const task of tasks) task.process(source, record);
          } else {
            const task = taskOf[record.key === null ? 0 : partitionFor(record.key, o.partitions)];
            if (task !== undefined) chunk.add(task, source, record, done);
            else otherShards++; // another shard's: neither processed nor a dead letter
          }
          done++;
          // Each task takes its records of a stretch as one batch; the stretch ends where something must
          // happen between records: a stop, a commit, a flush.
          const stop = o.stopAfter !== undefined && done >= o.stopAfter;
          const commits = ++sinceCommit >= o.commitEvery;
          if (stop || commits || done % FLUSH_EVERY === 0 || o.recordAtATime) chunk.run();
          if (stop) {
            // Simulated crash: release files and locks, commit nothing.
            for (const writer of o.writers.values()) await writer.close();
            for (const task of tasks) await task.close();
            return this.#summary(tasks, written(), resumedFrom, started, otherShards);
          }
          if (commits) {
            await commit(false);
            sinceCommit = 0;
          } else if (done % FLUSH_EVERY === 0) {
            // Held records are flushed at positions fixed by the record count, not by how the input
            // happened to be batched, so a resumed run orders its outputs as an uninterrupted one.
            for (const task of tasks) await task.flush();
            // A store whose write-back buffer is full commits early.
            if (tasks.some((t) => t.needsCommit)) {
              await commit(false);
              sinceCommit = 0;
            }
          }
        }
        chunk.run();
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
    return this.#summary(tasks, written(), resumedFrom, started, otherShards);
  }

  #summary(tasks: StreamTask[], written: Map<string, number>, resumedFrom: number, started: number, otherShards: number): BackfillSummary {
    const total = new TaskMetrics();
    for (const task of tasks) {
      total.recordsIn += task.metrics.recordsIn;
      total.recordsOut += task.metrics.recordsOut;
      for (const [reason, n] of task.metrics.deadLetters) total.deadLetters.set(reason, (total.deadLetters.get(reason) ?? 0) + n);
    }
    return {
      recordsIn: total.recordsIn,
      recordsOut: total.recordsOut,
      written,
      deadLetters: total.deadLetters,
      resumedFrom,
      elapsedMs: performance.now() - started,
      otherShards,
    };
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

  /** Step 3 (and 0) of the commit protocol: the new checkpoint is on disk before it replaces the old one. */
  async #writeCheckpoint(checkpoint: Checkpoint): Promise<void> {
    await writeDurably(this.#checkpointPath + '.tmp', JSON.stringify(checkpoint));
    await rename(this.#checkpointPath + '.tmp', this.#checkpointPath);
    await syncDirectory(this.#o.stateDir);
  }

  /** --fresh: forget what this runner keeps in the state directory, and nothing else that may be there. */
  async #discardState(): Promise<void> {
    for (const name of ['checkpoint.json', 'checkpoint.json.tmp', 'tasks'])
      await rm(join(this.#o.stateDir, name), { recursive: true, force: true });
  }

  async #readCheckpoint(): Promise<Checkpoint | undefined> {
    let text: string;
    try {
      text = await readFile(this.#checkpointPath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    let checkpoint: Checkpoint;
    try {
      checkpoint = JSON.parse(text) as Checkpoint;
    } catch (e) {
      throw new Error(
        `${this.#checkpointPath} is not a checkpoint (${(e as Error).message}); pass --fresh to start over, or choose another --state-dir`,
      );
    }
    if (checkpoint.fingerprint !== this.#fingerprint) {
      throw new Error(
        `state directory ${this.#o.stateDir} holds the checkpoint of a different backfill (other inputs or options); pass --fresh to discard it, or choose another --state-dir`,
      );
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
