import type { Storage, StorageEntry } from '../../io/storage/Storage.ts';

/** Read-only storage over byte arrays held in memory: readers fuzzed without touching the disk. */
export function memoryStorage(files: Record<string, Uint8Array>): Storage {
  const entry = (path: string): StorageEntry | undefined =>
    files[path] && { path, name: path.slice(path.lastIndexOf('/') + 1), directory: false, size: files[path].length, modifiedMs: 0 };
  const refuse = async () => {
    throw new Error('memoryStorage is read-only');
  };
  return {
    uri: (path) => path,
    stat: async (path) => entry(path),
    list: async () => [],
    read: async (path, offset, length) => files[path].subarray(offset, offset + length),
    async *stream(path) {
      yield files[path];
    },
    write: refuse,
    rename: refuse,
    remove: refuse,
  };
}
