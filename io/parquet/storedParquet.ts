import { LocalStorage } from '../storage/LocalStorage.ts';
import type { Storage, StorageEntry } from '../storage/Storage.ts';
import type { ParquetLocation } from './ParquetRowReader.ts';

/** The file's tail that holds the footer (metadata); read once and kept, the rest never is. */
const FOOTER_BYTES = 512 * 1024;

/**
 * A stored Parquet file as the reader takes it: a local path, or random access by ranges (hyparquet
 * reads the footer, then the column chunks of one row group at a time), e.g. over WebHDFS. Only the
 * footer region is kept in memory, shared by every reader of the file (column checks, the estimate,
 * the read): column chunks are fetched when read and dropped after, so a large file is never held
 * whole (hyparquet's own cachedAsyncBuffer keeps every range it has fetched).
 */
export function storedParquet(storage: Storage, entry: StorageEntry): ParquetLocation {
  if (storage instanceof LocalStorage) return entry.path;
  const size = entry.size;
  const read = async (start: number, end: number): Promise<ArrayBuffer> => {
    const bytes = await storage.read(entry.path, start, end - start);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  };
  const tailStart = Math.max(0, size - FOOTER_BYTES);
  let tail: Promise<ArrayBuffer> | undefined;
  const buffer = {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      if (start >= tailStart) return (await (tail ??= read(tailStart, size))).slice(start - tailStart, end - tailStart);
      return read(start, end);
    },
  };
  return { uri: storage.uri(entry.path), buffer: async () => buffer };
}
