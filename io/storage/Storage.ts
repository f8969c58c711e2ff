/** A file or directory as a listing gives it. */
export interface StorageEntry {
  /** Full path within the storage. */
  path: string;
  name: string;
  directory: boolean;
  size: number;
  modifiedMs: number;
}

/**
 * Where history is read from and outputs are written to: the local disk or HDFS (through WebHDFS),
 * behind the few operations bounded inputs and sinks need. Paths are absolute, `/`-separated.
 */
export interface Storage {
  /** A printable name of `path` for messages: `/data/x.parquet`, `hdfs://nn:8020/data/x.parquet`. */
  uri(path: string): string;
  stat(path: string): Promise<StorageEntry | undefined>;
  /** The entries of a directory, sorted by name. */
  list(dir: string): Promise<StorageEntry[]>;
  /** `length` bytes from `offset` (fewer at the end of the file). */
  read(path: string, offset: number, length: number): Promise<Uint8Array>;
  /** The whole file, as a stream of chunks. */
  stream(path: string): AsyncIterable<Uint8Array>;
  /** Create or replace `path` (parent directories included). */
  write(path: string, bytes: Uint8Array): Promise<void>;
  /** Move `from` to `to`, replacing `to` if it exists; the commit step of every atomic write. */
  rename(from: string, to: string): Promise<void>;
  /** Remove a file, or a directory and everything in it; nothing if it does not exist. */
  remove(path: string): Promise<void>;
}

/** Every file under `dir`, depth first in name order; `enter` may skip a subdirectory (partition pruning). */
export async function* walk(
  storage: Storage,
  dir: string,
  enter: (entry: StorageEntry) => boolean = () => true,
): AsyncGenerator<StorageEntry> {
  for (const entry of await storage.list(dir)) {
    if (entry.directory) {
      if (enter(entry)) yield* walk(storage, entry.path, enter);
    } else yield entry;
  }
}
