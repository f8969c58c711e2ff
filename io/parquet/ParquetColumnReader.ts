import { parquetHeader } from 'hyparquet/src/column.js';
import { decompressPage } from 'hyparquet/src/datapage.js';
import { deltaBinaryUnpack, deltaByteArray, deltaLengthByteArray } from 'hyparquet/src/delta.js';
import { byteStreamSplit, readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { readPlain } from 'hyparquet/src/plain.js';
import type { AsyncBuffer, ColumnMetaData, DataReader, DecodedArray, Encoding, FileMetaData, SchemaElement } from 'hyparquet';
import { deltaBinaryUnpackHalves, int64Number, int64Quotient } from './int64Halves.ts';
import { boundedBuffer, chunkRange, footerProblem } from './parquetBounds.ts';
import {
  PARQUET_DECOMPRESSORS,
  readableMetadata,
  readParquetRows,
  sourceOf,
  type ParquetLocation,
  type ParquetReadOptions,
} from './ParquetRowReader.ts';
import { StringInterner, type Interner } from './StringInterner.ts';
import type { Row } from '../csv/CsvRowReader.ts';

/**
 * One column of a row group. Numbers (prices, epoch-ms time, …) in a Float64Array, NaN where the
 * row is null and `nulls[i]` = 1 there (a NaN in the file stays a NaN with nulls[i] = 0); strings as
 * interned ids, -1 for null; anything else as readParquetRows gives it.
 */
export type ColumnValues =
  | { readonly kind: 'number'; readonly values: Float64Array; readonly nulls: Uint8Array | undefined }
  | { readonly kind: 'string'; readonly ids: Int32Array }
  | { readonly kind: 'other'; readonly values: readonly unknown[] };

/** A row group: `rows` rows, the first of them row `rowStart + 1` of the file (as readParquetRows numbers rows). */
export interface ColumnGroup {
  readonly rowStart: number;
  readonly rows: number;
  /** By lower-cased column name. */
  readonly columns: ReadonlyMap<string, ColumnValues>;
}

export interface ParquetColumnOptions extends ParquetReadOptions {
  /** Where string values get their ids (one look-up per distinct dictionary value); default a table of the file's own. */
  strings?: Interner;
}

/**
 * Streams a Parquet file one row group at a time as columns, only the requested ones fetched and decoded,
 * page by page with hyparquet's page-level functions straight into typed arrays: no row objects, no BigInt
 * per INT64 value, a string decoded once per dictionary entry. Values are exactly readParquetRows' (time as
 * epoch ms truncated toward zero, DECIMAL the nearest double), and so are the checks and error messages on a
 * broken file. A file this path does not cover (nested columns, INT96, BOOLEAN, DECIMAL in bytes, unsigned
 * or other unusual types) is read by readParquetRows and turned into columns.
 */
export async function* readParquetColumns(location: ParquetLocation, options: ParquetColumnOptions = {}): AsyncGenerator<ColumnGroup> {
  const { uri, buffer } = sourceOf(location);
  const whole = await buffer();
  const metadata = await readableMetadata(whole, uri);
  const leaves = requested(metadata, options.columns);
  const strings = options.strings ?? new StringInterner();
  if (!decodesColumnar(metadata, options.columns)) return yield* fromRows(location, options, leaves, strings);
  const plans = leaves.map(planOf);

  const names = leaves.map((s) => s.name);
  const problem = footerProblem(metadata, whole.byteLength, names);
  if (problem) throw new Error(`${uri}: not a readable Parquet file (${problem})`);
  const file = boundedBuffer(whole, metadata, names);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows);
    const rowEnd = rowStart + rows;
    const chunks = names.map((name) => group.columns.find((c) => c.meta_data?.path_in_schema?.[0] === name)?.meta_data);
    const fetches = fetchChunks(file, chunks);
    const columns = new Map<string, ColumnValues>();
    for (let c = 0; c < leaves.length; c++) {
      let decoded: { column: ColumnValues; filled: number };
      try {
        const meta = chunks[c];
        if (!meta) throw new Error('no column chunk in this row group');
        decoded = decodeChunk(await fetches[c]!(), meta, leaves[c], plans[c]!, rows, strings);
      } catch (e) {
        throw new Error(`${uri}: cannot read rows ${rowStart}–${rowEnd}, column '${names[c]}' (${(e as Error).message})`);
      }
      if (decoded.filled !== rows)
        throw new Error(`${uri}: cannot read rows ${rowStart}–${rowEnd} (column ${names[c]}: ${decoded.filled} values of ${rows})`);
      columns.set(names[c].toLowerCase(), decoded.column);
    }
    yield { rowStart, rows, columns };
    rowStart = rowEnd;
  }
}

/** Where a column chunk's bytes are: a range of a fetched buffer. */
interface ChunkBytes {
  buffer: ArrayBuffer;
  offset: number;
  length: number;
}

/**
 * The chunks' bytes, fetched as hyparquet fetches them: all at once, chunks less than 8 KB apart in one range
 * of at most 2 MB (one request per row group over WebHDFS, not one per column). A chunk of a range that fails
 * is fetched again alone, so the error names the chunk that is broken.
 */
function fetchChunks(file: AsyncBuffer, chunks: (ColumnMetaData | undefined)[]): (() => Promise<ChunkBytes>)[] {
  const ranges: { start: number; end: number; bytes?: Promise<ArrayBuffer> }[] = [];
  const rangeOf = new Map<number, (typeof ranges)[number]>();
  const order = chunks.flatMap((meta, c) => (meta ? [{ c, range: chunkRange(meta) }] : [])).sort((a, b) => a.range[0] - b.range[0]);
  for (const { c, range } of order) {
    const last = ranges.at(-1);
    if (last && range[0] >= last.end && range[0] <= last.end + (1 << 13) && range[1] - last.start <= 1 << 21) last.end = range[1];
    else ranges.push({ start: range[0], end: range[1] });
    rangeOf.set(c, ranges.at(-1)!);
  }
  for (const range of ranges) range.bytes = file.slice(range.start, range.end) as Promise<ArrayBuffer>;
  return chunks.map((meta, c) => async () => {
    const [start, end] = chunkRange(meta!);
    const range = rangeOf.get(c)!;
    try {
      return { buffer: await range.bytes!, offset: start - range.start, length: end - start };
    } catch (e) {
      if (range.start === start && range.end === end) throw e;
      return { buffer: await file.slice(start, end), offset: 0, length: end - start };
    }
  });
}

/**
 * The rows readParquetRows gives (the same objects: keys in file order, nulls as null, the same row numbers),
 * built from readParquetColumns' columns: what a reader of rows gains from the page path.
 */
export async function* readParquetColumnRows(location: ParquetLocation, options: ParquetReadOptions = {}): AsyncGenerator<Row[]> {
  const strings = new StringInterner();
  for await (const group of readParquetColumns(location, { ...options, strings })) {
    const columns = [...group.columns];
    const rows: Row[] = new Array(group.rows);
    for (let r = 0; r < group.rows; r++) {
      const row: Record<string, unknown> = {};
      for (const [name, column] of columns) row[name] = cellValue(column, r, strings);
      rows[r] = { row, rowNumber: group.rowStart + r + 1 };
    }
    yield rows;
  }
}

/** Row `r` of a column as a row object holds it: a number, a string, or null. */
export function cellValue(column: ColumnValues, r: number, strings: StringInterner): unknown {
  if (column.kind === 'number') return column.nulls?.[r] ? null : column.values[r];
  if (column.kind === 'string') return column.ids[r] < 0 ? null : strings.name(column.ids[r]);
  return column.values[r];
}

/** Whether readParquetColumns decodes these columns (lower-cased names; default all) itself, rather than by readParquetRows. */
export function decodesColumnar(metadata: FileMetaData, columns?: readonly string[]): boolean {
  const nested = metadata.schema.slice(1).some((s) => s.num_children);
  return !nested && requested(metadata, columns).every((s) => planOf(s));
}

function requested(metadata: FileMetaData, columns: readonly string[] | undefined): SchemaElement[] {
  const wanted = columns && new Set(columns);
  return metadata.schema.slice(1).filter((s) => !s.num_children && (!wanted || wanted.has(s.name.toLowerCase())));
}

/** How a column's values become numbers, or that they are strings; undefined: not covered here. */
type Plan = { kind: 'number'; fromNumber: (x: number) => number; fromInt64: (lo: number, hi: number) => number } | { kind: 'string' };

const same = (x: number) => x;
const NUMBER: Plan = { kind: 'number', fromNumber: same, fromInt64: int64Number };
const DAYS: Plan = { kind: 'number', fromNumber: (days) => days * 86_400_000, fromInt64: int64Number };
const MICROS: Plan = { kind: 'number', fromNumber: same, fromInt64: (lo, hi) => int64Quotient(lo, hi, 1000) };
const NANOS: Plan = { kind: 'number', fromNumber: same, fromInt64: (lo, hi) => int64Quotient(lo, hi, 1_000_000) };
const STRING: Plan = { kind: 'string' };

/** The conversions of hyparquet's `convert` with EPOCH_MS_PARSERS, then readParquetRows' `converter`, in their order. */
function planOf(element: SchemaElement): Plan | undefined {
  const { type, converted_type: converted, logical_type: logical } = element;
  if (element.repetition_type === 'REPEATED') return undefined;
  if (converted?.startsWith('UINT') || (logical?.type === 'INTEGER' && !logical.isSigned)) return undefined;
  if (converted === 'DECIMAL') {
    if (type !== 'INT32' && type !== 'INT64') return undefined;
    const scaled = decimal(element.scale ?? 0);
    return { kind: 'number', fromNumber: scaled, fromInt64: (lo, hi) => scaled(int64Number(lo, hi)) };
  }
  if (logical?.type === 'DECIMAL') return undefined;
  if (type === 'DOUBLE' || type === 'FLOAT') return NUMBER;
  if (type === 'INT32') return converted === 'DATE' ? DAYS : NUMBER;
  if (type === 'INT64') {
    if (converted === 'DATE') return undefined;
    const unit =
      converted === 'TIMESTAMP_MILLIS'
        ? 'MILLIS'
        : converted === 'TIMESTAMP_MICROS'
          ? 'MICROS'
          : logical?.type === 'TIMESTAMP' && logical.unit;
    return unit === 'MICROS' ? MICROS : unit === 'NANOS' ? NANOS : NUMBER;
  }
  const text =
    (converted === undefined || converted === 'UTF8' || converted === 'ENUM') && [undefined, 'STRING', 'ENUM'].includes(logical?.type);
  if (type === 'BYTE_ARRAY' && text) return STRING;
  return undefined;
}

/** hyparquet's unscaled × 10^-s, then readParquetRows' rounding to the nearest double of the decimal. */
function decimal(scale: number): (x: number) => number {
  const factor = 10 ** -scale;
  const back = 10 ** scale;
  return scale ? (x) => Math.round(x * factor * back) / back : (x) => x * factor;
}

const utf8 = new TextDecoder();

/** One column chunk's pages into one column: the values, and how many rows they filled. */
function decodeChunk(
  bytes: ChunkBytes,
  meta: ColumnMetaData,
  element: SchemaElement,
  plan: Plan,
  rows: number,
  strings: Interner,
): { column: ColumnValues; filled: number } {
  // Views into the fetched buffer, never copies: a page's offset in it is how parquetBounds finds its checks.
  const reader: DataReader = { view: new DataView(bytes.buffer, bytes.offset, bytes.length), offset: 0 };
  const optional = element.repetition_type !== 'REQUIRED';
  const out = plan.kind === 'number' ? new Float64Array(rows) : new Int32Array(rows);
  let nulls: Uint8Array | undefined;
  let dictionary: Float64Array | Int32Array | undefined;
  let filled = 0;
  // As hyparquet's readColumn: pages until the rows are there or the chunk ends.
  while (filled < rows && reader.offset < reader.view.byteLength - 1) {
    const header = parquetHeader(reader);
    if (reader.offset + header.compressed_page_size > bytes.length)
      throw new Error(`a page of ${header.compressed_page_size} bytes past the end of its chunk`);
    const compressed = new Uint8Array(bytes.buffer, bytes.offset + reader.offset, header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    if (header.type === 'DICTIONARY_PAGE') {
      const page = decompressPage(compressed, Number(header.uncompressed_page_size), meta.codec, PARQUET_DECOMPRESSORS);
      const entries = header.dictionary_page_header?.num_values ?? 0;
      dictionary = dense(readPlain(pageReader(page), meta.type, entries, element.type_length), meta.type, plan, strings);
      continue;
    }
    const page = readDataPage(header, compressed, meta, element, optional);
    let values: Float64Array | Int32Array;
    if (page.indices) {
      if (!dictionary) throw new Error('a dictionary-encoded page without a dictionary');
      values = plan.kind === 'number' ? new Float64Array(page.indices.length) : new Int32Array(page.indices.length);
      for (let i = 0; i < values.length; i++) {
        const index = page.indices[i];
        if (index >= dictionary.length) throw new Error(`dictionary index ${index} past its ${dictionary.length} entries`);
        values[i] = dictionary[index];
      }
    } else values = dense(page.values!, meta.type, plan, strings);
    const count = Math.min(page.count, rows - filled);
    if (!page.levels) {
      if (values.length !== page.count) throw new Error(`a page of ${page.count} rows holds ${values.length} values`);
      out.set(values.subarray(0, count), filled);
    } else {
      let k = 0;
      const empty = plan.kind === 'number' ? NaN : -1;
      for (let i = 0; i < count; i++) {
        if (page.levels[i]) out[filled + i] = values[k++];
        else {
          out[filled + i] = empty;
          (nulls ??= new Uint8Array(rows))[filled + i] = 1;
        }
      }
      if (count === page.count && k !== values.length) throw new Error(`a page with ${k} non-null rows holds ${values.length} values`);
    }
    filled += count;
  }
  const column: ColumnValues =
    plan.kind === 'number' ? { kind: 'number', values: out as Float64Array, nulls } : { kind: 'string', ids: out as Int32Array };
  return { column, filled };
}

interface DataPage {
  /** Rows in the page (values and nulls). */
  count: number;
  /** Definition levels, 1 = a value, 0 = null; undefined for a REQUIRED column. */
  levels: Uint8Array | undefined;
  /** Dictionary indices of the non-null values, or the values themselves (INT64 as 32-bit halves). */
  indices?: Int32Array;
  values?: DecodedArray;
}

/** A DATA_PAGE or DATA_PAGE_V2 of a flat column: hyparquet's readDataPage / readDataPageV2 without their conversions. */
function readDataPage(
  header: ReturnType<typeof parquetHeader>,
  compressed: Uint8Array,
  meta: ColumnMetaData,
  element: SchemaElement,
  optional: boolean,
): DataPage {
  const v1 = header.data_page_header;
  const v2 = header.data_page_header_v2;
  if (header.type === 'DATA_PAGE' && v1) {
    const page = decompressPage(compressed, Number(header.uncompressed_page_size), meta.codec, PARQUET_DECOMPRESSORS);
    const reader = pageReader(page);
    const count = v1.num_values;
    let levels: Uint8Array | undefined;
    let present = count;
    if (optional) {
      levels = new Uint8Array(count);
      readRleBitPackedHybrid(reader, 1, levels);
      for (let i = 0; i < count; i++) present -= levels[i] === 1 ? 0 : 1;
    }
    const dictionary = v1.encoding === 'PLAIN_DICTIONARY' || v1.encoding === 'RLE_DICTIONARY' || v1.encoding === 'RLE';
    return { count, levels, ...values(reader, v1.encoding, dictionary, present, meta, element) };
  }
  if (header.type === 'DATA_PAGE_V2' && v2) {
    const levelsEnd = v2.repetition_levels_byte_length + v2.definition_levels_byte_length;
    let levels: Uint8Array | undefined;
    if (optional) {
      levels = new Uint8Array(v2.num_values);
      const levelReader = pageReader(compressed);
      levelReader.offset = v2.repetition_levels_byte_length;
      readRleBitPackedHybrid(levelReader, 1, levels, v2.definition_levels_byte_length);
    }
    let page = compressed.subarray(levelsEnd);
    if (v2.is_compressed !== false)
      page = decompressPage(page, header.uncompressed_page_size - levelsEnd, meta.codec, PARQUET_DECOMPRESSORS);
    const dictionary = v2.encoding === 'PLAIN_DICTIONARY' || v2.encoding === 'RLE_DICTIONARY';
    return {
      count: v2.num_values,
      levels,
      ...values(pageReader(page), v2.encoding, dictionary, v2.num_values - v2.num_nulls, meta, element),
    };
  }
  throw new Error(`parquet unsupported page type: ${header.type}`);
}

function values(
  reader: DataReader,
  encoding: Encoding,
  dictionary: boolean,
  count: number,
  meta: ColumnMetaData,
  element: SchemaElement,
): { indices?: Int32Array; values?: DecodedArray } {
  const { type } = meta;
  if (dictionary) {
    const indices = new Int32Array(count);
    const width = reader.view.getUint8(reader.offset++);
    if (width) readRleBitPackedHybrid(reader, width, indices, reader.view.byteLength - reader.offset);
    return { indices };
  }
  if (encoding === 'PLAIN') return { values: readPlain(reader, type, count, element.type_length) };
  if (encoding === 'BYTE_STREAM_SPLIT') return { values: byteStreamSplit(reader, count, type, element.type_length) };
  if (encoding === 'DELTA_BINARY_PACKED' && type === 'INT32') {
    const out = new Int32Array(count);
    deltaBinaryUnpack(reader, count, out);
    return { values: out };
  }
  if (encoding === 'DELTA_BINARY_PACKED' && type === 'INT64') {
    const halves = new Int32Array(2 * count);
    deltaBinaryUnpackHalves(reader, count, halves);
    return { values: halves };
  }
  if (encoding === 'DELTA_LENGTH_BYTE_ARRAY' || encoding === 'DELTA_BYTE_ARRAY') {
    const out = new Array<Uint8Array>(count);
    (encoding === 'DELTA_BYTE_ARRAY' ? deltaByteArray : deltaLengthByteArray)(reader, count, out);
    return { values: out };
  }
  throw new Error(`parquet unsupported encoding: ${encoding}`);
}

/** Decoded values in the column's representation: numbers converted by the plan, strings interned. */
function dense(raw: DecodedArray, type: string, plan: Plan, strings: Interner): Float64Array | Int32Array {
  if (plan.kind === 'string') {
    const ids = new Int32Array(raw.length);
    for (let i = 0; i < raw.length; i++) ids[i] = strings.intern(utf8.decode(raw[i] as Uint8Array));
    return ids;
  }
  if (type === 'INT64') {
    // A BigInt64Array (PLAIN, BYTE_STREAM_SPLIT, dictionary) read through its 32-bit halves, or halves already.
    const halves = raw instanceof BigInt64Array ? new Int32Array(raw.buffer, raw.byteOffset, raw.length * 2) : (raw as Int32Array);
    const out = new Float64Array(halves.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = plan.fromInt64(halves[2 * i], halves[2 * i + 1]);
    return out;
  }
  const out = new Float64Array(raw.length);
  if (plan.fromNumber === same) out.set(raw as ArrayLike<number>);
  else for (let i = 0; i < out.length; i++) out[i] = plan.fromNumber(raw[i] as number);
  return out;
}

function pageReader(page: Uint8Array): DataReader {
  return { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
}

/** The files this path does not cover: readParquetRows' rows, turned into columns. */
async function* fromRows(
  location: ParquetLocation,
  options: ParquetReadOptions,
  leaves: SchemaElement[],
  strings: Interner,
): AsyncGenerator<ColumnGroup> {
  const names = [...new Set(leaves.map((s) => s.name.toLowerCase()))];
  const textual = new Set(leaves.filter((s) => planOf(s)?.kind === 'string').map((s) => s.name.toLowerCase()));
  let rowStart = 0;
  for await (const batch of readParquetRows(location, { columns: options.columns })) {
    const columns = new Map<string, ColumnValues>();
    for (const name of names) {
      const values = batch.map(({ row }) => row[name]);
      const isNull = (v: unknown) => v === null || v === undefined;
      if (textual.has(name) && values.every((v) => isNull(v) || typeof v === 'string'))
        columns.set(name, { kind: 'string', ids: Int32Array.from(values, (v) => (isNull(v) ? -1 : strings.intern(v as string))) });
      else if (values.every((v) => isNull(v) || typeof v === 'number')) {
        const nulls = values.some(isNull) ? Uint8Array.from(values, (v) => (isNull(v) ? 1 : 0)) : undefined;
        columns.set(name, { kind: 'number', values: Float64Array.from(values, (v) => (isNull(v) ? NaN : (v as number))), nulls });
      } else columns.set(name, { kind: 'other', values });
    }
    yield { rowStart, rows: batch.length, columns };
    rowStart += batch.length;
  }
}
