import type { StateStore } from './StateStore.ts';

/** Synchronous reads and writes: the working set lives in the store's cache, so a processor never waits. */
export interface KeyValueStore<V> extends StateStore {
  get(key: string): V | undefined;
  put(key: string, value: V): void;
  delete(key: string): void;
  entries(): IterableIterator<[string, V]>;
}
