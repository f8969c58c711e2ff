import { brotliDecompressSync, unzipSync, zstdDecompressSync } from 'node:zlib';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, snappyUncompress } from 'hyparquet';
import type { AsyncBuffer, Compressors, FileMetaData, ParquetParsers, SchemaElement } from 'hyparquet';
import type { Row } from '../csv/CsvRowReader.ts';
import { boundedBuffer, checkDecompressed, footerProblem } from './parquetBounds.ts';

/** A Parquet file anywhere: its name for messages, and random access to its bytes (hyparquet reads ranges). */
export interface ParquetSource {
  uri: string;
  buffer(): Promise<AsyncBuffer>;
}

/** A local path, or a ParquetSource (e.g. on HDFS). */
export type ParquetLocation = string | ParquetSource;

export function sourceOf(location: ParquetLocation): ParquetSource {
  return typeof location === 'string' ? { uri: location, buffer: () => asyncBufferFromFile(location) } : location;
}

export async function parquetMetadata(location: ParquetLocation): Promise<FileMetaData> {
  const source = sourceOf(location);
  return readableMetadata(await source.buffer(), source.uri);
}

/** The footer, its schema checked: every element named (a corrupt one may not be). */
export async function readableMetadata(file: AsyncBuffer, uri: string): Promise<FileMetaData> {
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new Error(`${uri}: not a readable Parquet file (${(e as Error).message})`);
  }
  const unnamed = metadata.schema.findIndex((s) => typeof s.name !== 'string');
  if (!metadata.schema.length || unnamed >= 0)
    throw new Error(`${uri}: not a readable Parquet file (schema element ${unnamed} has no name)`);
  return metadata;
}

/** Top-level column names, lower-cased. */
export function parquetColumns(metadata: FileMetaData): string[] {
  return metadata.schema
    .slice(1)
    .filter((s) => !s.num_children)
    .map((s) => s.name.toLowerCase());
}

export interface ParquetReadOptions {
  /** Lower-cased names of the columns to read; the others are neither fetched nor decoded. Default: all. */
  columns?: readonly string[];
}

/**
 * Streams a Parquet file one row group (one batch) at a time, never the whole file in memory. Values come as
 * hyparquet decodes them, except: timestamps (INT96, TIMESTAMP millis, micros, nanos) and DATEs become
 * epoch ms numbers, bigint becomes number, and DECIMAL the nearest double. Every codec Spark, pyarrow
 * and DuckDB write is read: each by PARQUET_DECOMPRESSORS. Sizes in the
 * footer and page headers are checked before they size anything (parquetBounds).
 */
export async function* readParquetRows(location: ParquetLocation, options: ParquetReadOptions = {}): AsyncGenerator<Row[]> {
  const { uri: path, buffer } = sourceOf(location);
  const whole = await buffer();
  const metadata = await readableMetadata(whole, path);
  const wanted = options.columns && new Set(options.columns);
  const leaves = metadata.schema.slice(1).filter((s) => !s.num_children && (!wanted || wanted.has(s.name.toLowerCase())));
  // Only these columns' chunks are fetched and decoded (an unused 300 MB text column cost 1 GB when decoded).
  const columnNames = leaves.map((s) => s.name);
  const problem = footerProblem(metadata, whole.byteLength, columnNames);
  if (problem) throw new Error(`${path}: not a readable Parquet file (${problem})`);
  const file = boundedBuffer(whole, metadata, columnNames);
  const names = leaves.map((s) => s.name.toLowerCase());
  const position = new Map(leaves.map((s, i) => [s.name, i]));
  const convert = leaves.map(converter);
  let rowStart = 0;
  let rowNumber = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const count = rowEnd - rowStart;
    // Column by column as hyparquet decodes them, each value converted once; rows built in one pass after.
    const columns: (ArrayLike<unknown> | undefined)[] = names.map(() => undefined);
    const filled = new Array<number>(names.length).fill(0);
    try {
      await parquetRead({
        file,
        metadata,
        rowStart,
        rowEnd,
        columns: columnNames,
        compressors: PARQUET_DECOMPRESSORS,
        parsers: EPOCH_MS_PARSERS,
        onChunk: ({ columnName, columnData, rowStart: chunkStart, rowEnd: chunkEnd }) => {
          const c = position.get(columnName);
          if (c === undefined) return;
          const to = convert[c];
          const from = Math.max(chunkStart, rowStart);
          const until = Math.min(chunkEnd, rowEnd);
          filled[c] += Math.max(until - from, 0);
          // The usual case, a column needing no conversion decoded in one piece: taken as it is.
          if (!to && chunkStart === rowStart && chunkEnd === rowEnd) return void (columns[c] = columnData as ArrayLike<unknown>);
          const out = (columns[c] as unknown[] | undefined) ?? (columns[c] = new Array<unknown>(count));
          if (to) for (let r = from; r < until; r++) out[r - rowStart] = to(columnData[r - chunkStart]);
          else for (let r = from; r < until; r++) out[r - rowStart] = columnData[r - chunkStart];
        },
      });
    } catch (e) {
      const column = await failingColumn(file, metadata, rowStart, rowEnd, columnNames);
      throw new Error(`${path}: cannot read rows ${rowStart}–${rowEnd}${column ? `, column '${column}'` : ''} (${(e as Error).message})`);
    }
    const short = filled.findIndex((n) => n !== count);
    if (short >= 0)
      throw new Error(
        `${path}: cannot read rows ${rowStart}–${rowEnd} (column ${leaves[short].name}: ${filled[short]} values of ${count})`,
      );
    const batch: Row[] = new Array(count);
    for (let r = 0; r < count; r++) {
      const row: Record<string, unknown> = {};
      for (let c = 0; c < names.length; c++) row[names[c]] = columns[c]![r];
      batch[r] = { row, rowNumber: ++rowNumber };
    }
    yield batch;
    rowStart = rowEnd;
  }
}

/** After a row group failed to decode: the first column that fails alone, to name it in the error. */
async function failingColumn(
  file: AsyncBuffer,
  metadata: FileMetaData,
  rowStart: number,
  rowEnd: number,
  columns: string[],
): Promise<string | undefined> {
  for (const column of columns) {
    try {
      await parquetRead({
        file,
        metadata,
        rowStart,
        rowEnd,
        columns: [column],
        compressors: PARQUET_DECOMPRESSORS,
        parsers: EPOCH_MS_PARSERS,
      });
    } catch {
      return column;
    }
  }
  return undefined;
}

/**
 * How one column's decoded values become row values, or undefined when they are row values already
 * (numbers, strings, booleans; time as epoch ms through EPOCH_MS_PARSERS): DECIMAL to the nearest
 * double, other INT64s (bigint) to number, and anything else hyparquet may give as bigint or Date
 * (UINT_64, DATE…) converted likewise.
 */
function converter(element: SchemaElement): ((value: unknown) => unknown) | undefined {
  const { type, converted_type: converted, logical_type: logical } = element;
  if (converted === 'DECIMAL' || logical?.type === 'DECIMAL') {
    const scale = element.scale ?? 0;
    return scale ? (v) => (typeof v === 'number' ? fixDecimal(v, scale) : v) : undefined;
  }
  const timestamp = logical?.type === 'TIMESTAMP' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS';
  const plain =
    type === 'DOUBLE' ||
    type === 'FLOAT' ||
    type === 'BOOLEAN' ||
    (type === 'INT32' && !converted && !logical) ||
    (type === 'INT64' && timestamp) ||
    (type === 'INT96' && !converted) ||
    (type === 'BYTE_ARRAY' && (converted === 'UTF8' || logical?.type === 'STRING'));
  return plain ? undefined : (v) => (typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() : v);
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

/**
 * Time as epoch milliseconds, without a Date per value (hyparquet's default makes one). Sub-millisecond
 * digits are dropped toward zero, as Date does; backfill works in whole milliseconds.
 */
export const EPOCH_MS_PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (millis) => Number(millis),
  timestampFromMicroseconds: (micros) => Number(micros / 1000n),
  timestampFromNanoseconds: (nanos) => Number(nanos / 1_000_000n),
  dateFromDays: (days) => days * 86_400_000,
};

/**
 * Decompressors for the codecs hyparquet leaves to its caller: GZIP, ZSTD and BROTLI by Node's zlib
 * (native code, in every Node this project supports), LZ4_RAW and the deprecated Hadoop-framed LZ4 by
 * lz4Block below, SNAPPY by hyparquet's decoder; LZO is not read (no tool here writes it).
 */
const DECODERS: Compressors = {
  // hyparquet's own decoder, behind the size check (it allocates the page's claimed size first).
  SNAPPY: (input, length) => {
    const output = new Uint8Array(claimedSize(input, length, SNAPPY_MAX_RATIO, 'snappy'));
    snappyUncompress(input, output);
    return output;
  },
  // unzip: a gzip member (what the format says) or a zlib stream (what some writers emit).
  GZIP: (input, length) => unzipSync(input, { maxOutputLength: Math.max(length, 1) }),
  ZSTD: (input, length) => zstdDecompressSync(input, { maxOutputLength: Math.max(length, 1) }),
  BROTLI: (input, length) => brotliDecompressSync(input, { maxOutputLength: Math.max(length, 1) }),
  LZ4_RAW: lz4Raw,
  LZ4: (input, length) => hadoopLz4(input, length) ?? lz4Raw(input, length),
};

export const PARQUET_DECOMPRESSORS: Compressors = Object.fromEntries(
  Object.entries(DECODERS).map(([codec, decode]) => [
    codec,
    (input: Uint8Array, length: number) => checkDecompressed(input, decode!(input, length)),
  ]),
);

/**
 * How far snappy and LZ4 can expand: a snappy copy of 64 bytes takes 3, an LZ4 match grows 255 bytes per
 * byte of length. Their decoders allocate the page's claimed size first: a corrupt size past what its
 * compressed bytes can hold is refused, not allocated (a 2^31-byte claim from a 40-byte page).
 */
const SNAPPY_MAX_RATIO = 22;
const LZ4_MAX_RATIO = 256;

function claimedSize(input: Uint8Array, length: number, ratio: number, codec: string): number {
  if (!(length >= 0 && length <= input.length * ratio + 64)) throw new Error(`${codec}: ${length} bytes cannot come from ${input.length}`);
  return length;
}

function lz4Raw(input: Uint8Array, length: number): Uint8Array {
  const output = new Uint8Array(claimedSize(input, length, LZ4_MAX_RATIO, 'lz4'));
  const end = lz4Block(input, 0, input.length, output, 0, length);
  if (end !== length) throw new Error(`lz4: decoded ${end} bytes, expected ${length}`);
  return output;
}

/**
 * Decodes one LZ4 block (the block format, no frame) from input[start, end) into output from `at`,
 * writing nothing at or past `limit`; returns where it stopped. Each sequence is a token (literal
 * length in the high nibble, match length − 4 in the low one, 15: more length bytes follow), the
 * literals, then a 2-byte little-endian offset back into what this block wrote and the match, which
 * may overlap the bytes it copies.
 */
function lz4Block(input: Uint8Array, start: number, end: number, output: Uint8Array, at: number, limit: number): number {
  let i = start;
  let o = at;
  while (i < end) {
    const token = input[i++];
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (i >= end) throw new Error('lz4: truncated literal length');
        b = input[i++];
        literals += b;
      } while (b === 255);
    }
    if (i + literals > end || o + literals > limit) throw new Error('lz4: literals past the end');
    if (literals > 32) {
      output.set(input.subarray(i, i + literals), o);
      i += literals;
      o += literals;
    } else for (let k = 0; k < literals; k++) output[o++] = input[i++]; // short runs: a loop beats subarray + set
    if (i === end) break; // the last sequence has literals only
    if (i + 2 > end) throw new Error('lz4: truncated match offset');
    const offset = input[i] | (input[i + 1] << 8);
    i += 2;
    if (offset === 0 || offset > o - at) throw new Error('lz4: match offset out of range');
    let match = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (i >= end) throw new Error('lz4: truncated match length');
        b = input[i++];
        match += b;
      } while (b === 255);
    }
    if (o + match > limit) throw new Error('lz4: match past the end');
    if (offset >= match && match > 32) {
      output.copyWithin(o, o - offset, o - offset + match);
      o += match;
    } else {
      // Short or overlapping (offset < match repeats the last `offset` bytes): byte by byte.
      for (let k = 0, from = o - offset; k < match; k++) output[o++] = output[from + k];
    }
  }
  return o;
}

/**
 * parquet-mr's LZ4 (Parquet's deprecated LZ4 codec, what Spark's `lz4` writes): Hadoop's block framing,
 * blocks of [uncompressed size: u32 BE] then chunks of [compressed size: u32 BE][LZ4 block], each
 * chunk a block of its own, up to that size. undefined when the bytes are not framed so (some older
 * writers put a bare LZ4 block under this codec).
 */
function hadoopLz4(input: Uint8Array, length: number): Uint8Array | undefined {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const output = new Uint8Array(claimedSize(input, length, LZ4_MAX_RATIO, 'lz4'));
  let i = 0;
  let o = 0;
  try {
    while (i < input.length) {
      if (i + 4 > input.length) return undefined;
      const blockEnd = o + view.getUint32(i);
      i += 4;
      if (blockEnd > length) return undefined;
      while (o < blockEnd) {
        if (i + 4 > input.length) return undefined;
        const size = view.getUint32(i);
        i += 4;
        if (size === 0 || i + size > input.length) return undefined;
        o = lz4Block(input, i, i + size, output, o, blockEnd);
        i += size;
      }
    }
  } catch {
    return undefined;
  }
  return o === length ? output : undefined;
}
