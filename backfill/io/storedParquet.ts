import { cachedAsyncBuffer } from 'hyparquet';
import { LocalStorage } from '../storage/LocalStorage.ts';
import type { Storage, StorageEntry } from '../storage/Storage.ts';
import type { ParquetLocation } from './ParquetRowReader.ts';

/**
 * A stored Parquet file as the reader takes it: a local path, or random access by ranges (hyparquet
 * reads the footer, then the column chunks it needs), e.g. over WebHDFS.
 */
export function storedParquet(storage: Storage, entry: StorageEntry): ParquetLocation {
  if (storage instanceof LocalStorage) return entry.path;
  const slice = async (start: number, end = entry.size): Promise<ArrayBuffer> => {
    const bytes = await storage.read(entry.path, start, end - start);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  };
  return { uri: storage.uri(entry.path), buffer: async () => cachedAsyncBuffer({ byteLength: entry.size, slice }) };
}
