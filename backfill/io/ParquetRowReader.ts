import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import type { Row } from './CsvRowReader.ts';

/** A Parquet file anywhere: its name for messages, and random access to its bytes (hyparquet reads ranges). */
export interface ParquetSource {
  uri: string;
  buffer(): Promise<AsyncBuffer>;
}

/** A local path, or a ParquetSource (e.g. on HDFS). */
export type ParquetLocation = string | ParquetSource;

function sourceOf(location: ParquetLocation): ParquetSource {
  return typeof location === 'string' ? { uri: location, buffer: () => asyncBufferFromFile(location) } : location;
}

export async function parquetMetadata(location: ParquetLocation): Promise<FileMetaData> {
  const source = sourceOf(location);
  try {
    return await parquetMetadataAsync(await source.buffer());
  } catch (e) {
    throw new Error(`${source.uri}: not a readable Parquet file (${(e as Error).message})`);
  }
}

/** Top-level column names, lower-cased. */
export function parquetColumns(metadata: FileMetaData): string[] {
  return metadata.schema.slice(1).filter((s) => !s.num_children).map((s) => s.name.toLowerCase());
}

/**
 * Streams a Parquet file one row group (one batch) at a time, never the whole file in memory. Values come as
 * hyparquet decodes them: bigint becomes number, Date becomes epoch ms.
 */
export async function* readParquetRows(location: ParquetLocation): AsyncGenerator<Row[]> {
  const { uri: path, buffer } = sourceOf(location);
  const file = await buffer();
  const metadata = await parquetMetadataAsync(file).catch((e: Error) => {
    throw new Error(`${path}: not a readable Parquet file (${e.message})`);
  });
  const names = parquetColumns(metadata);
  const decimalScale = decimalScales(metadata);
  let rowStart = 0;
  let rowNumber = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: unknown[][] = [];
    try {
      await parquetRead({ file, metadata, rowStart, rowEnd, rowFormat: 'array', onComplete: (data) => (rows = data as unknown[][]) });
    } catch (e) {
      throw new Error(`${path}: cannot read rows ${rowStart}–${rowEnd} (${(e as Error).message})`);
    }
    const batch: Row[] = new Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const values = rows[r];
      const row: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) {
        const v = values[i];
        const scale = decimalScale[i];
        row[names[i]] = typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() : scale && typeof v === 'number' ? fixDecimal(v, scale) : v;
      }
      batch[r] = { row, rowNumber: ++rowNumber };
    }
    yield batch;
    rowStart = rowEnd;
  }
}

/** Per column, the DECIMAL scale (0 when not a decimal). */
function decimalScales(metadata: FileMetaData): number[] {
  return metadata.schema.slice(1).filter((s) => !s.num_children).map((s) => (s.converted_type === 'DECIMAL' || s.logical_type?.type === 'DECIMAL' ? s.scale ?? 0 : 0));
}

/**
 * hyparquet decodes DECIMAL(p, s) as unscaled × 10^-s, which is one rounding off (23140.48 comes out
 * as 23140.480000000003); dividing the unscaled integer by 10^s gives the nearest double, as every
 * other reader does.
 */
function fixDecimal(value: number, scale: number): number {
  const factor = 10 ** scale;
  return Math.round(value * factor) / factor;
}
