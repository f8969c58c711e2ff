import { CachedKeyValueStore, type CachedKeyValueStoreOptions } from './CachedKeyValueStore.ts';
import type { KeyValueStore } from './KeyValueStore.ts';
import type { StateStore } from './StateStore.ts';

const SEPARATOR = '\u0001';

/**
 * Tumbling windows of one size per key, on a key-value store.
 * An index by window start (rebuilt at open) lets the owner close every window that ended before a
 * given stream time without scanning all keys.
 */
export class WindowStore<V> implements StateStore {
  readonly name: string;
  readonly windowSizeMs: number;
  readonly #inner: KeyValueStore<V>;
  /** window start → keys with an open window there */
  readonly #byStart = new Map<number, Set<string>>();

  constructor(name: string, windowSizeMs: number, options: CachedKeyValueStoreOptions = {}) {
    this.name = name;
    this.windowSizeMs = windowSizeMs;
    this.#inner = new CachedKeyValueStore<V>(name, options);
  }

  get size(): number {
    return this.#inner.size;
  }

  get committedMarker(): string | undefined {
    return this.#inner.committedMarker;
  }

  async open(dir: string | undefined): Promise<void> {
    await this.#inner.open(dir);
    for (const [composite] of this.#inner.entries()) {
      const cut = composite.lastIndexOf(SEPARATOR);
      this.#index(composite.slice(0, cut), Number(composite.slice(cut + 1)));
    }
  }

  fetch(key: string, windowStart: number): V | undefined {
    return this.#inner.get(key + SEPARATOR + windowStart);
  }

  put(key: string, windowStart: number, value: V): void {
    this.#inner.put(key + SEPARATOR + windowStart, value);
    this.#index(key, windowStart);
  }

  delete(key: string, windowStart: number): void {
    this.#inner.delete(key + SEPARATOR + windowStart);
    const keys = this.#byStart.get(windowStart);
    keys?.delete(key);
    if (keys?.size === 0) this.#byStart.delete(windowStart);
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
      for (const key of [...this.#byStart.get(start)!].sort()) {
        yield { key, start, value: this.fetch(key, start)! };
      }
    }
  }

  flush(commitMarker: string): Promise<void> {
    return this.#inner.flush(commitMarker);
  }

  async wipe(): Promise<void> {
    this.#byStart.clear();
    await this.#inner.wipe();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  #index(key: string, start: number): void {
    let keys = this.#byStart.get(start);
    if (!keys) this.#byStart.set(start, (keys = new Set()));
    keys.add(key);
  }
}

export function windowStore<V>(name: string, windowSizeMs: number, options: CachedKeyValueStoreOptions = {}) {
  return { name, build: () => new WindowStore<V>(name, windowSizeMs, options) };
}
