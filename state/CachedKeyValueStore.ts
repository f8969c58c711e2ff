import { Level } from 'level';
import { rm, mkdir } from 'node:fs/promises';
import type { KeyValueStore } from './KeyValueStore.ts';
import type { ChangeLogger, StoreBuilder } from './StateStore.ts';
import { decodeValue, encodeValue } from './binaryValue.ts';

const MARKER_KEY = '\u0000commit';

/** A key-value store's write-back cache bound. */
export interface CachedKeyValueStoreOptions {
  /** Dirty entries that force an early flush of the write-back buffer; see `needsFlush`. */
  maxDirtyEntries?: number;
}

/**
 * A key-value store on LevelDB with an in-memory write-back cache.
 *
 * The whole store is loaded into memory at open: state per symbol is bounded by the longest window,
 * so the working set is small, and reads never wait on disk. Writes mark keys dirty; `flush` writes
 * them in one LevelDB batch together with the commit marker, so a store is always at one commit.
 * Without a directory the store is memory-only (the test driver's default).
 */
export class CachedKeyValueStore<V> implements KeyValueStore<V> {
  readonly name: string;
  #cache = new Map<string, V>();
  #dirty = new Set<string>();
  /** Keys in the committed state (disk, changelog): a key created and deleted between two flushes never reaches either. */
  #persisted = new Set<string>();
  #db: Level<string, Uint8Array> | undefined;
  #dir: string | undefined;
  #marker: string | undefined;
  #writing: Promise<void> = Promise.resolve();
  readonly #maxDirty: number;

  constructor(name: string, options: CachedKeyValueStoreOptions = {}) {
    this.name = name;
    this.#maxDirty = options.maxDirtyEntries ?? 100_000;
  }

  get size(): number {
    return this.#cache.size;
  }

  get committedMarker(): string | undefined {
    return this.#marker;
  }

  /** True when the write-back buffer is over its bound and the task should commit soon. */
  get needsFlush(): boolean {
    return this.#dirty.size >= this.#maxDirty;
  }

  async open(dir: string | undefined): Promise<void> {
    this.#dir = dir;
    if (!dir) return;
    await mkdir(dir, { recursive: true });
    this.#db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' });
    await this.#db.open();
    for await (const [key, value] of this.#db.iterator()) {
      if (key === MARKER_KEY) this.#marker = Buffer.from(value).toString('utf8');
      else {
        this.#cache.set(key, decodeValue(value) as V);
        this.#persisted.add(key);
      }
    }
  }

  get(key: string): V | undefined {
    return this.#cache.get(key);
  }

  put(key: string, value: V): void {
    this.#cache.set(key, value);
    this.#dirty.add(key);
  }

  delete(key: string): void {
    if (!this.#cache.delete(key)) return;
    if (this.#persisted.has(key)) this.#dirty.add(key);
    else this.#dirty.delete(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.#cache.entries();
  }

  async flush(commitMarker: string, log?: ChangeLogger): Promise<void> {
    const batch = this.#db?.batch();
    for (const key of this.#dirty) {
      const value = this.#cache.get(key);
      if (value === undefined) {
        batch?.del(key);
        log?.(key, null);
        this.#persisted.delete(key);
      } else {
        const bytes = encodeValue(value);
        batch?.put(key, bytes);
        log?.(key, bytes);
        this.#persisted.add(key);
      }
    }
    // Everything up to here is synchronous: the changes are taken before the write is awaited.
    this.#dirty.clear();
    this.#marker = commitMarker;
    if (batch) {
      batch.put(MARKER_KEY, Buffer.from(commitMarker));
      // Batches reach disk in the order their flushes were called; `sync` waits for the disk itself,
      // so the checkpoint that names this marker is never written before the state it describes.
      const previous = this.#writing;
      this.#writing = previous.then(() => batch.write({ sync: true }));
      await this.#writing;
    }
  }

  restore(key: string, value: Uint8Array | null): void {
    if (value === null) this.delete(key);
    else this.put(key, decodeValue(value) as V);
  }

  async wipe(): Promise<void> {
    this.#cache.clear();
    this.#dirty.clear();
    this.#persisted.clear();
    this.#marker = undefined;
    if (this.#db && this.#dir) {
      await this.#writing.catch(() => undefined);
      this.#writing = Promise.resolve();
      await this.#db.close();
      await rm(this.#dir, { recursive: true, force: true });
      await this.open(this.#dir);
    }
  }

  async close(): Promise<void> {
    await this.#writing.catch(() => undefined);
    await this.#db?.close();
    this.#db = undefined;
  }
}

/** A builder of persistent key-value stores named `name`, one per task (Kafka Streams' Stores.keyValueStoreBuilder). */
export function keyValueStore<V>(name: string, options: CachedKeyValueStoreOptions = {}): StoreBuilder<KeyValueStore<V>> {
  return { name, build: () => new CachedKeyValueStore<V>(name, options) };
}
