import { hivePartitionValues } from '../hivePartitions.ts';
import { OutputRefused, type OutputMode, type OutputWriter } from '../OutputWriter.ts';
import type { StreamRecord } from '../../topology/StreamRecord.ts';
import { walk, type Storage, type StorageEntry } from '../storage/Storage.ts';

import { ColumnBuffer, type ColumnSpec } from './ColumnBuffer.ts';
import { featureLayout, type DatasetLayout } from './DatasetLayout.ts';

export type { ColumnSpec };

/** At the dataset's root: the ids of the runs candlestream wrote there, the proof that their files are ours. */
export const DATASET_MARKER = '_candlestream.json';
/**
 * A run's part, `part-[b<bucket>-]<commit>-<split>-<run>.parquet`, hidden as `.<name>.tmp` while
 * written; `part-<commit>-<run>.parquet` is the layout before (one directory per interval and symbol).
 * The bucket token is a shard's (backfill --tasks I/N writes bucket I): N writers of one run, each
 * its own symbols, whose files never share a name; a writer owns only its own bucket's files.
 */
const RUN_PART = /^(\.?)part-(?:b(\d+)-)?(\d+)-(?:\d+-)?([0-9a-f]+)\.parquet(\.tmp)?$/;
/** Hidden while written: Spark, Hive and DuckDB's globs skip names starting with a dot. */
const temporary = (name: string) => `.${name}.tmp`;
/** What readers read: names starting with a dot or an underscore are metadata or unfinished (Spark, Hive, DuckDB). */
const visible = (name: string) => !/^[._]/.test(name);
/** Encoded parts waiting to be written, at most: writes overlap encoding, within bounded memory. */
const IN_FLIGHT_WRITES = 16;
const IN_FLIGHT_BYTES = 256 << 20;

interface Committed {
  run: string;
  seq: number;
}

/**
 * A Hive-partitioned Parquet dataset, as DuckDB, Spark and pyarrow read it, on local disk or HDFS.
 * Where rows go is the layout's (DatasetLayout: by default featureLayout,
 * `<dir>/interval=1m/date=2023-03-01/part-<commit>-<split>-<run>.parquet`, rows sorted by symbol and
 * ts). Partition columns live in the path only (the Spark convention). Rows wait in memory until
 * commit; each commit writes the rows of each directory that received some, split into parts of at
 * most the layout's rows per part, under hidden temporary names, and renames them once all are
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
  readonly #layout: DatasetLayout;
  readonly #columns: ColumnSpec[];
  readonly #mode: OutputMode;
  readonly #buffers = new Map<string, ColumnBuffer>();
  readonly #bucket: number | undefined;
  #run: string | undefined;
  #seq = 0;

  constructor(
    storage: Storage,
    dir: string,
    columns: readonly ColumnSpec[],
    layout: DatasetLayout = featureLayout(),
    mode: OutputMode = 'error',
    bucket?: number,
  ) {
    this.#storage = storage;
    this.dir = dir.replace(/(.)\/+$/, '$1');
    this.#layout = layout;
    this.#columns = columns.filter((c) => !layout.pathColumns.includes(c.name));
    this.#mode = mode;
    this.#bucket = bucket;
  }

  /** The name of part `split` (0, 1, …) of a directory's rows in commit `seq`. */
  partName(seq: number, split = 0): string {
    const commit = String(seq).padStart(6, '0');
    if (this.#run === undefined) {
      if (split) throw new Error("only a run's parts are split by size"); // import's partitions are one symbol's day
      return `part-${commit}.parquet`;
    }
    const bucket = this.#bucket === undefined ? '' : `b${this.#bucket}-`;
    return `part-${bucket}${commit}-${String(split).padStart(3, '0')}-${this.#run}.parquet`;
  }

  write(record: StreamRecord): void {
    const value = record.value as Record<string, unknown>;
    const dir = this.#layout.directoryOf(value);
    let buffer = this.#buffers.get(dir);
    if (!buffer) this.#buffers.set(dir, (buffer = new ColumnBuffer(this.#columns)));
    buffer.append(value);
  }

  async commit(): Promise<{ run?: string; seq: number }> {
    const pending = [...this.#buffers].filter(([, buffer]) => buffer.rows > 0);
    // A commit with no rows writes no file, and needs no number of its own.
    if (!pending.length) return { run: this.#run, seq: this.#seq };
    const seq = this.#seq + 1;
    const written: string[] = [];
    // Encoding is CPU work and writing is I/O: keep a few writes in flight while encoding the next file.
    // All of them settle before a failure is thrown, so none lands after resume has cleaned up.
    const inFlight = new Map<Promise<void>, number>();
    const writes: Promise<void>[] = [];
    const bytesInFlight = () => [...inFlight.values()].reduce((a, b) => a + b, 0);
    for (const [relative, buffer] of pending) {
      const dir = `${this.dir}/${relative}`;
      for (const [split, rows] of this.#parts(buffer).entries()) {
        const path = `${dir}/${this.partName(seq, split)}`;
        const bytes = buffer.encode(undefined, rows);
        const write = this.#storage.write(`${dir}/${temporary(this.partName(seq, split))}`, bytes);
        writes.push(write);
        inFlight.set(write, bytes.length);
        write.then(
          () => inFlight.delete(write),
          () => inFlight.delete(write),
        );
        while (inFlight.size >= IN_FLIGHT_WRITES || bytesInFlight() >= IN_FLIGHT_BYTES)
          await Promise.race(inFlight.keys()).catch(() => undefined);
        written.push(path);
      }
    }
    const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    // Rename only once every file of this commit is written.
    for (const path of written) {
      const slash = path.lastIndexOf('/');
      await this.#storage.rename(`${path.slice(0, slash)}/${temporary(path.slice(slash + 1))}`, path);
    }
    this.#buffers.clear();
    this.#seq = seq;
    return { run: this.#run, seq };
  }

  /** A directory's rows of one commit as parts: in the layout's order, at most its rows per part each; undefined is all, as held. */
  #parts(buffer: ColumnBuffer): (Int32Array | undefined)[] {
    const { sortBy, maxRowsPerPart } = this.#layout;
    if (!sortBy && buffer.rows <= maxRowsPerPart) return [undefined];
    const order = sortBy ? buffer.sortedBy(...sortBy) : Int32Array.from({ length: buffer.rows }, (_, r) => r);
    const parts: Int32Array[] = [];
    for (let start = 0; start < order.length; start += maxRowsPerPart) parts.push(order.subarray(start, start + maxRowsPerPart));
    return parts;
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
      if (!m || (m[1] === '.') !== (m[5] === '.tmp') || !owners.includes(m[4])) return undefined;
      return { run: m[4], bucket: m[2], seq: Number(m[3]), temporary: m[1] === '.' };
    };
    // This run's parts: of its run and its bucket. Its other buckets' are its sibling shards', never touched.
    const bucket = this.#bucket === undefined ? undefined : String(this.#bucket);
    const own = (entry: StorageEntry) => {
      const part = runOf(entry);
      return part?.run === run && part.bucket === bucket ? part : undefined;
    };
    const sibling = (entry: StorageEntry) => {
      const part = runOf(entry);
      return part?.run === run && part.bucket !== bucket;
    };

    if (committed !== undefined) {
      const { run: committedRun, seq } = committed as Partial<Committed>;
      if (committedRun !== run || typeof seq !== 'number') {
        throw new Error(`${where}: the checkpoint's commit ${JSON.stringify(committed)} is not of run ${run}; pass --fresh to start over`);
      }
      const after = (f: StorageEntry) => {
        const part = own(f);
        return part !== undefined && (part.temporary || part.seq > seq);
      };
      return { remove: files.filter(after) };
    }

    const others = files.filter((f) => f.path !== marker && f.name !== temporary(DATASET_MARKER) && !own(f) && !sibling(f));
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
    // Appending to our own earlier output in another layout (the one before interval=…/date=…) would leave a
    // dataset DuckDB and Spark refuse whole (mixed partition keys). Others' files beside it stay their business.
    const otherLayout = this.#mode === 'append' && others.find((f) => visible(f.name) && runOf(f) && !this.#inLayout(f));
    if (otherLayout) {
      throw new OutputRefused(
        `${where} holds files in another layout (${this.#storage.uri(otherLayout.path)}; this sink writes ` +
          `${this.#layout.directoryKeys.map((k) => `${k}=…`).join('/')}/): readers refuse a dataset whose directories mix ` +
          'partition keys; --mode overwrite replaces what candlestream wrote there, or choose another sink',
      );
    }
    const replaced = this.#mode === 'overwrite' ? others.filter((f) => runOf(f)) : [];
    const runs = this.#mode === 'overwrite' ? [run] : listed.includes(run) ? listed : [...listed, run];
    return { remove: [...files.filter((f) => own(f)), ...replaced], runs };
  }

  /** Whether a file's directories are the partition keys this sink writes, in its order. */
  #inLayout(entry: StorageEntry): boolean {
    const keys = Object.keys(hivePartitionValues(entry.path.slice(this.dir.length + 1)));
    return keys.join('/') === this.#layout.directoryKeys.join('/');
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
    // Shards starting together each write the (same) list: each through its own temporary file.
    const tmp = `${this.dir}/${temporary(this.#bucket === undefined ? DATASET_MARKER : `${DATASET_MARKER}.b${this.#bucket}`)}`;
    await this.#storage.write(tmp, new TextEncoder().encode(JSON.stringify({ runs }) + '\n'));
    await this.#storage.rename(tmp, path);
  }
}
