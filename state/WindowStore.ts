import { CachedKeyValueStore, type CachedKeyValueStoreOptions } from './CachedKeyValueStore.ts';
import type { StateStore } from './StateStore.ts';

const SEPARATOR = '\u0001';

/**
 * Tumbling windows of one size per key. In memory the windows sit in per-start maps, so the hot path
 * (fetch, put, close) never builds a composite key or tracks changes. Open windows are few (keys ×
 * windows within the grace), so a flush simply writes them all to the LevelDB-backed store beneath
 * and deletes the ones that closed; a window opened and closed between two commits never reaches disk.
 * Values are held as given: an owner may update a window's value in place without calling put again.
 */
export class WindowStore<V> implements StateStore {
  readonly name: string;
  readonly windowSizeMs: number;
  readonly #disk: CachedKeyValueStore<V>;
  /** window start → key → value */
  readonly #byStart = new Map<number, Map<string, V>>();

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
  }

  delete(key: string, windowStart: number): void {
    const windows = this.#byStart.get(windowStart);
    if (!windows?.delete(key)) return;
    if (windows.size === 0) this.#byStart.delete(windowStart);
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

  async flush(commitMarker: string): Promise<void> {
    const open = new Set<string>();
    for (const [start, windows] of this.#byStart) {
      for (const [key, value] of windows) {
        const composite = key + SEPARATOR + start;
        open.add(composite);
        this.#disk.put(composite, value);
      }
    }
    for (const [composite] of [...this.#disk.entries()]) if (!open.has(composite)) this.#disk.delete(composite);
    await this.#disk.flush(commitMarker);
  }

  async wipe(): Promise<void> {
    this.#byStart.clear();
    await this.#disk.wipe();
  }

  close(): Promise<void> {
    return this.#disk.close();
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
