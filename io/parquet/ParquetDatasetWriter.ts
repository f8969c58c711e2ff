import { OutputRefused, type OutputMode, type OutputWriter } from '../OutputWriter.ts';
import type { StreamRecord } from '../../topology/StreamRecord.ts';
import { walk, type Storage, type StorageEntry } from '../storage/Storage.ts';

import { ColumnBuffer, type ColumnSpec } from './ColumnBuffer.ts';

export type { ColumnSpec };

/** At the dataset's root: the ids of the runs candlestream wrote there, the proof that their files are ours. */
export const DATASET_MARKER = '_candlestream.json';
/** `part-<commit>-<run>.parquet`, hidden as `.part-<commit>-<run>.parquet.tmp` while written. */
const RUN_PART = /^(\.?)part-(\d+)-([0-9a-f]+)\.parquet(\.tmp)?$/;
/** Hidden while written: Spark, Hive and DuckDB's globs skip names starting with a dot. */
const temporary = (name: string) => `.${name}.tmp`;
/** What readers read: names starting with a dot or an underscore are metadata or unfinished (Spark, Hive, DuckDB). */
const visible = (name: string) => !/^[._]/.test(name);

interface Committed {
  run: string;
  seq: number;
}

/**
 * A Hive-partitioned Parquet dataset, `<dir>/<p1>=<v1>/<p2>=<v2>/part-<commit>-<run>.parquet`, as
 * DuckDB, Spark and pyarrow read it, on local disk or HDFS. Partition columns live in the path only
 * (the Spark convention). Rows wait in memory until commit; each commit writes one file per
 * partition that received rows, under a hidden temporary name, and renames them once all are
 * written, so a reader never sees a partial file.
 *
 * Ownership: a run's files carry its id, and the marker at the root lists the runs candlestream
 * wrote there (written before the run's first file). The writer touches only files so named after a
 * listed run: starting afresh it removes its own run's files (a re-run of the same job replaces its
 * output) and, under `overwrite`, those of the other listed runs; resuming removes its own temporary
 * files and parts after the checkpoint's commit. Anything else in the dataset is never touched.
 *
 * Without `resume` (import, which merges partitions itself) files are named `part-<commit>.parquet`.
 */
export class ParquetDatasetWriter implements OutputWriter {
  readonly dir: string;
  readonly #storage: Storage;
  readonly #partitionBy: readonly string[];
  readonly #columns: ColumnSpec[];
  readonly #mode: OutputMode;
  readonly #buffers = new Map<string, { values: string[]; buffer: ColumnBuffer }>();
  #run: string | undefined;
  #seq = 0;

  constructor(
    storage: Storage,
    dir: string,
    columns: readonly ColumnSpec[],
    partitionBy: readonly string[] = ['interval', 'symbol'],
    mode: OutputMode = 'error',
  ) {
    this.#storage = storage;
    this.dir = dir.replace(/(.)\/+$/, '$1');
    this.#partitionBy = partitionBy;
    this.#columns = columns.filter((c) => !partitionBy.includes(c.name));
    this.#mode = mode;
  }

  /** The name of the files of commit `seq`. */
  partName(seq: number): string {
    const commit = String(seq).padStart(6, '0');
    return this.#run === undefined ? `part-${commit}.parquet` : `part-${commit}-${this.#run}.parquet`;
  }

  write(record: StreamRecord): void {
    const value = record.value as Record<string, unknown>;
    const values = this.#partitionBy.map((p) => String(value[p]));
    const key = values.join('\u0000');
    let entry = this.#buffers.get(key);
    if (!entry) this.#buffers.set(key, (entry = { values, buffer: new ColumnBuffer(this.#columns) }));
    entry.buffer.append(value);
  }

  async commit(): Promise<{ run?: string; seq: number }> {
    const pending = [...this.#buffers.values()].filter(({ buffer }) => buffer.rows > 0);
    // A commit with no rows writes no file, and needs no number of its own.
    if (!pending.length) return { run: this.#run, seq: this.#seq };
    const seq = this.#seq + 1;
    const name = this.partName(seq);
    const written: string[] = [];
    // Encoding is CPU work and writing is I/O: keep a few writes in flight while encoding the next file.
    // All of them settle before a failure is thrown, so none lands after resume has cleaned up.
    const inFlight = new Set<Promise<void>>();
    const writes: Promise<void>[] = [];
    for (const { values, buffer } of pending) {
      const dir = [this.dir, ...this.#partitionBy.map((p, i) => `${p}=${values[i]}`)].join('/');
      const write = this.#storage.write(`${dir}/${temporary(name)}`, buffer.encode());
      writes.push(write);
      inFlight.add(write);
      write.then(
        () => inFlight.delete(write),
        () => inFlight.delete(write),
      );
      if (inFlight.size >= 16) await Promise.race(inFlight).catch(() => undefined);
      written.push(dir);
    }
    const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    // Rename only once every file of this commit is written.
    for (const dir of written) await this.#storage.rename(`${dir}/${temporary(name)}`, `${dir}/${name}`);
    this.#buffers.clear();
    this.#seq = seq;
    return { run: this.#run, seq };
  }

  async check(committed: unknown, run: string): Promise<void> {
    await this.#plan(committed, run);
  }

  async resume(committed: unknown, run?: string): Promise<void> {
    const id = (committed as Partial<Committed> | undefined)?.run ?? run;
    if (id === undefined) throw new Error(`${this.#storage.uri(this.dir)}: a Parquet sink needs a run id to resume`);
    const { remove, runs } = await this.#plan(committed, id);
    this.#buffers.clear();
    this.#run = id;
    this.#seq = (committed as Committed | undefined)?.seq ?? 0;
    for (const entry of remove) await this.#storage.remove(entry.path);
    // After the removals (the runs they replace stay listed until their files are gone), before this run's first file.
    if (runs) await this.#writeMarker(runs);
  }

  async close(): Promise<void> {}

  /**
   * What starting or resuming `run` removes, and (starting afresh) the marker's new list of runs;
   * throws OutputRefused if the mode forbids the start.
   */
  async #plan(committed: unknown, run: string): Promise<{ remove: StorageEntry[]; runs?: string[] }> {
    const where = this.#storage.uri(this.dir);
    const top = await this.#storage.stat(this.dir);
    if (top && !top.directory) throw new OutputRefused(`${where} is a file, not a dataset directory`);
    const files: StorageEntry[] = [];
    if (top) for await (const entry of walk(this.#storage, this.dir)) files.push(entry);
    const marker = `${this.dir}/${DATASET_MARKER}`;
    const listed = top ? await this.#readMarker(marker) : [];
    const owners = [...listed, run];
    const runOf = (entry: StorageEntry) => {
      const m = RUN_PART.exec(entry.name);
      // A temporary name is hidden and ends in .tmp; a part is neither.
      if (!m || (m[1] === '.') !== (m[4] === '.tmp') || !owners.includes(m[3])) return undefined;
      return { run: m[3], seq: Number(m[2]), temporary: m[1] === '.' };
    };

    if (committed !== undefined) {
      const { run: committedRun, seq } = committed as Partial<Committed>;
      if (committedRun !== run || typeof seq !== 'number') {
        throw new Error(`${where}: the checkpoint's commit ${JSON.stringify(committed)} is not of run ${run}; pass --fresh to start over`);
      }
      const after = (f: StorageEntry) => {
        const part = runOf(f);
        return part?.run === run && (part.temporary || part.seq > seq);
      };
      return { remove: files.filter(after) };
    }

    const others = files.filter((f) => f.path !== marker && f.name !== temporary(DATASET_MARKER) && runOf(f)?.run !== run);
    const foreign = others.find((f) => visible(f.name) && !runOf(f));
    const earlier = others.find((f) => visible(f.name) && runOf(f));
    const fix = '--mode append adds beside it, --mode overwrite replaces what candlestream wrote there';
    if (this.#mode === 'error' && (foreign || earlier)) {
      const found = (foreign ?? earlier)!;
      const whose = foreign ? '' : ', of an earlier run';
      throw new OutputRefused(`${where} already holds data this run did not write (${this.#storage.uri(found.path)}${whose}); ${fix}`);
    }
    if (this.#mode === 'overwrite' && foreign) {
      throw new OutputRefused(
        `${where} holds files candlestream did not write (${this.#storage.uri(foreign.path)}): --mode overwrite never removes them; ` +
          'move them or choose another sink',
      );
    }
    const replaced = this.#mode === 'overwrite' ? others.filter((f) => runOf(f)) : [];
    const runs = this.#mode === 'overwrite' ? [run] : listed.includes(run) ? listed : [...listed, run];
    return { remove: [...files.filter((f) => runOf(f)?.run === run), ...replaced], runs };
  }

  async #readMarker(path: string): Promise<string[]> {
    const entry = await this.#storage.stat(path);
    if (!entry) return [];
    const text = new TextDecoder().decode(await this.#storage.read(path, 0, Math.min(entry.size, 1 << 20)));
    let runs: unknown;
    try {
      runs = (JSON.parse(text) as { runs?: unknown }).runs;
    } catch {
      runs = undefined;
    }
    if (!Array.isArray(runs) || !runs.every((r) => typeof r === 'string' && /^[0-9a-f]+$/.test(r))) {
      const fix = 'remove it or choose another sink';
      throw new OutputRefused(`${this.#storage.uri(path)} is not a candlestream dataset marker ({"runs": [ids]}); ${fix}`);
    }
    return runs;
  }

  async #writeMarker(runs: string[]): Promise<void> {
    const path = `${this.dir}/${DATASET_MARKER}`;
    const tmp = `${this.dir}/${temporary(DATASET_MARKER)}`;
    await this.#storage.write(tmp, new TextEncoder().encode(JSON.stringify({ runs }) + '\n'));
    await this.#storage.rename(tmp, path);
  }
}
