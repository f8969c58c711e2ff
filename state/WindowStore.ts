import { CachedKeyValueStore, type CachedKeyValueStoreOptions } from './CachedKeyValueStore.ts';
import type { ChangeLogger, StateStore } from './StateStore.ts';
import { decodeValue } from './binaryValue.ts';

const SEPARATOR = '\u0001';

/**
 * Tumbling windows of one size per key. In memory the windows sit in per-start maps, so the hot path
 * (fetch, put, close) never builds a composite key. A flush writes the windows put or deleted since
 * the last one to the LevelDB-backed store beneath (and to the changelog); a window opened and closed
 * between two commits never reaches either. Values are held as given: an owner may update a window's
 * value in place, and then calls put so the change is written.
 */
export class WindowStore<V> implements StateStore {
  readonly name: string;
  readonly windowSizeMs: number;
  readonly #disk: CachedKeyValueStore<V>;
  /** window start → key → value */
  readonly #byStart = new Map<number, Map<string, V>>();
  /** window start → keys put or deleted since the last flush */
  readonly #changed = new Map<number, Set<string>>();
  #flushes = 0;

  constructor(name: string, windowSizeMs: number, options: CachedKeyValueStoreOptions = {}) {
    this.name = name;
    this.windowSizeMs = windowSizeMs;
    this.#disk = new CachedKeyValueStore<V>(name, options);
  }

  get size(): number {
    let n = 0;
    for (const windows of this.#byStart.values()) n += windows.size;
    return n;
  }

  get committedMarker(): string | undefined {
    return this.#disk.committedMarker;
  }

  /**
   * Flushes so far. An owner updating a value in place needs to `put` it only once per flush: a put
   * marks the window changed, and the flush writes the value as it is then.
   */
  get flushes(): number {
    return this.#flushes;
  }

  async open(dir: string | undefined): Promise<void> {
    await this.#disk.open(dir);
    for (const [composite, value] of this.#disk.entries()) {
      const cut = composite.lastIndexOf(SEPARATOR);
      this.#windows(Number(composite.slice(cut + 1))).set(composite.slice(0, cut), value);
    }
  }

  fetch(key: string, windowStart: number): V | undefined {
    return this.#byStart.get(windowStart)?.get(key);
  }

  put(key: string, windowStart: number, value: V): void {
    this.#windows(windowStart).set(key, value);
    this.#markChanged(key, windowStart);
  }

  delete(key: string, windowStart: number): void {
    const windows = this.#byStart.get(windowStart);
    if (!windows?.delete(key)) return;
    if (windows.size === 0) this.#byStart.delete(windowStart);
    this.#markChanged(key, windowStart);
  }

  /** Earliest open window start, or undefined when none is open. */
  earliestStart(): number | undefined {
    let earliest: number | undefined;
    for (const start of this.#byStart.keys()) if (earliest === undefined || start < earliest) earliest = start;
    return earliest;
  }

  /** Open windows that ended at or before `time` (start + size ≤ time), oldest first, key order within a start. */
  *endedBy(time: number): Generator<{ key: string; start: number; value: V }> {
    const starts = [...this.#byStart.keys()].filter((s) => s + this.windowSizeMs <= time).sort((a, b) => a - b);
    for (const start of starts) {
      const windows = this.#byStart.get(start)!;
      for (const key of [...windows.keys()].sort()) yield { key, start, value: windows.get(key)! };
    }
  }

  async flush(commitMarker: string, log?: ChangeLogger): Promise<void> {
    this.#flushes++;
    for (const [start, keys] of this.#changed) {
      const windows = this.#byStart.get(start);
      for (const key of keys) {
        const value = windows?.get(key);
        if (value === undefined) this.#disk.delete(key + SEPARATOR + start);
        else this.#disk.put(key + SEPARATOR + start, value);
      }
    }
    this.#changed.clear();
    await this.#disk.flush(commitMarker, log);
  }

  restore(composite: string, value: Uint8Array | null): void {
    const cut = composite.lastIndexOf(SEPARATOR);
    const key = composite.slice(0, cut);
    const start = Number(composite.slice(cut + 1));
    if (value === null) this.delete(key, start);
    else this.put(key, start, decodeValue(value) as V);
  }

  async wipe(): Promise<void> {
    this.#byStart.clear();
    this.#changed.clear();
    await this.#disk.wipe();
  }

  close(): Promise<void> {
    return this.#disk.close();
  }

  #markChanged(key: string, start: number): void {
    let keys = this.#changed.get(start);
    if (!keys) this.#changed.set(start, (keys = new Set()));
    keys.add(key);
  }

  #windows(start: number): Map<string, V> {
    let windows = this.#byStart.get(start);
    if (!windows) this.#byStart.set(start, (windows = new Map()));
    return windows;
  }
}

export function windowStore<V>(name: string, windowSizeMs: number, options: CachedKeyValueStoreOptions = {}) {
  return { name, build: () => new WindowStore<V>(name, windowSizeMs, options) };
}
