import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { deltaBinaryPack } from 'hyparquet-writer/src/delta.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { constants, zstdCompressSync } from 'node:zlib';
import type { ColumnChunk, Encoding, RowGroup, SchemaElement, Statistics } from 'hyparquet';

/**
 * A column of rows [0, rows) as the encoder takes it (arrays may be longer). `double`: NaN is null, as in
 * ColumnBuffer. `int64`: whole numbers, none null (epoch ms). `string`: ids into `names`, -1 for null.
 */
export type ColumnData =
  | { readonly name: string; readonly type: 'double'; readonly values: Float64Array }
  | { readonly name: string; readonly type: 'int64'; readonly values: Float64Array }
  | { readonly name: string; readonly type: 'string'; readonly ids: Int32Array; readonly names: readonly string[] };

export interface ParquetEncoderOptions {
  /** Rows per row group (default 100,000, as ColumnBuffer.encode). */
  rowGroupSize?: number;
  /** Page compression: SNAPPY (default, as hyparquet-writer: JavaScript), ZSTD (node:zlib, level 1) or none. */
  codec?: Codec;
}

export type Codec = 'SNAPPY' | 'ZSTD' | 'UNCOMPRESSED';

const PAR1 = 0x31524150;
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const utf8 = new TextEncoder();
/** Above this, a delta or its zigzag is no longer exact in a double: such an INT64 column takes hyparquet-writer's BigInt packer. */
const EXACT_INT64 = 2 ** 51;

/**
 * A Parquet file from typed-array columns, with the types and encodings ColumnBuffer (hyparquet-writer)
 * gives the same columns, so readers see no change: INT64 REQUIRED DELTA_BINARY_PACKED, DOUBLE OPTIONAL
 * PLAIN (NaN written as null), BYTE_ARRAY UTF8 OPTIONAL dictionary-encoded; DATA_PAGE_V2, one page per
 * column chunk; row-group statistics (min, max, null count) on every column, as hyparquet-writer writes
 * them. The values are copied into reused scratch arrays and written as bytes: no object per value, and a
 * string's UTF-8 encoded once per distinct name.
 */
export class ParquetEncoder {
  readonly #rowGroupSize: number;
  readonly #codec: Codec;
  #levels = new Uint8Array(0);
  #dense = new Float64Array(0);
  #indices = new Int32Array(0);
  #localIndex = new Int32Array(0);
  readonly #utf8 = new Map<string, Uint8Array>();

  constructor(options: ParquetEncoderOptions = {}) {
    this.#rowGroupSize = options.rowGroupSize ?? 100_000;
    this.#codec = options.codec ?? 'SNAPPY';
  }

  encode(columns: readonly ColumnData[], rows: number): Uint8Array {
    for (const c of columns) {
      const length = c.type === 'string' ? c.ids.length : c.values.length;
      if (length < rows) throw new Error(`column "${c.name}" has ${length} values for ${rows} rows`);
      if (c.type === 'int64') checkInt64(c.name, c.values, rows);
    }
    const size = Math.min(this.#rowGroupSize, rows);
    if (this.#levels.length < size) {
      this.#levels = new Uint8Array(size);
      this.#dense = new Float64Array(size);
      this.#indices = new Int32Array(size);
    }
    if (this.#utf8.size > 100_000) this.#utf8.clear();
    // Sized for the values up front: growing by doubling would copy the file several times over.
    const writer = new ByteWriter(1024 + columns.length * (rows * 9 + 4096));
    writer.appendUint32(PAR1);
    const rowGroups: RowGroup[] = [];
    for (let start = 0; start < rows; start += this.#rowGroupSize) {
      const end = Math.min(start + this.#rowGroupSize, rows);
      const groupStart = writer.offset;
      const chunks = columns.map((c) => this.#chunk(writer, c, start, end));
      rowGroups.push({
        columns: chunks,
        total_byte_size: chunks.reduce((sum, c) => sum + c.meta_data!.total_uncompressed_size, 0n),
        num_rows: BigInt(end - start),
        total_compressed_size: BigInt(writer.offset - groupStart),
      });
    }
    writeMetadata(writer, {
      version: 2,
      created_by: 'candlestream',
      schema: schemaOf(columns),
      num_rows: BigInt(rows),
      row_groups: rowGroups,
    } as never);
    writer.appendUint32(PAR1);
    // A copy of exactly the file: a view would carry the rest of the sized buffer along (and into `.buffer`).
    return writer.getBytes().slice();
  }

  #chunk(writer: ByteWriter, column: ColumnData, start: number, end: number): ColumnChunk {
    const chunkStart = writer.offset;
    const rows = end - start;
    const page = new ByteWriter();
    const levels = new ByteWriter();
    let pageBytes: Uint8Array | undefined;
    let statistics: Statistics;
    let encoding: Encoding;
    let nulls = 0;
    let dictionaryPageOffset: bigint | undefined;
    let uncompressed = 0;

    if (column.type === 'int64') {
      encoding = 'DELTA_BINARY_PACKED';
      const values = column.values.subarray(start, end);
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < rows; i++) {
        const v = values[i];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (min >= -EXACT_INT64 && max <= EXACT_INT64) deltaPack(page, values);
      else
        deltaBinaryPack(
          page,
          BigInt64Array.from(values, (v) => BigInt(v)),
          'INT64',
        );
      statistics = { null_count: 0n, ...(rows && { min_value: BigInt(min), max_value: BigInt(max) }) };
    } else if (column.type === 'double') {
      encoding = 'PLAIN';
      const values = column.values;
      const present = this.#levels;
      const dense = this.#dense;
      let k = 0;
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < rows; i++) {
        const v = values[start + i];
        if (v !== v) {
          present[i] = 0;
          continue;
        }
        present[i] = 1;
        dense[k++] = v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      nulls = rows - k;
      writeRleBitPackedHybrid(levels, present.subarray(0, rows), 1);
      // PLAIN doubles are their little-endian bytes: the scratch array itself, not a copy.
      if (LITTLE_ENDIAN) pageBytes = new Uint8Array(dense.buffer, 0, k * 8);
      else for (let i = 0; i < k; i++) page.appendFloat64(dense[i]);
      // As hyparquet-writer: NaN never counted (it is null here), a zero minimum is -0 and a zero maximum +0.
      const range = k ? { min_value: min === 0 ? -0 : min, max_value: max === 0 ? 0 : max } : {};
      // nan_count (hyparquet's Statistics type lacks it) is written by writeMetadata, as hyparquet-writer writes it.
      statistics = { null_count: BigInt(nulls), ...range, ...{ nan_count: 0n } };
    } else {
      encoding = 'RLE_DICTIONARY';
      const { ids, names } = column;
      if (this.#localIndex.length < names.length) this.#localIndex = new Int32Array(names.length).fill(-1);
      const local = this.#localIndex;
      const present = this.#levels;
      const indices = this.#indices;
      const entries: number[] = [];
      let k = 0;
      for (let i = 0; i < rows; i++) {
        const id = ids[start + i];
        if (id < 0) {
          present[i] = 0;
          continue;
        }
        present[i] = 1;
        let index = local[id];
        if (index < 0) index = local[id] = entries.push(id) - 1;
        indices[k++] = index;
      }
      nulls = rows - k;
      // The dictionary page: each name's UTF-8 once, in first-seen order.
      const dictionary = new ByteWriter();
      let min: Uint8Array | undefined;
      let max: Uint8Array | undefined;
      for (const id of entries) {
        local[id] = -1;
        const name = names[id];
        let bytes = this.#utf8.get(name);
        if (!bytes) this.#utf8.set(name, (bytes = utf8.encode(name)));
        dictionary.appendUint32(bytes.length);
        dictionary.appendBytes(bytes);
        if (!min || compareBytes(bytes, min) < 0) min = bytes;
        if (!max || compareBytes(bytes, max) > 0) max = bytes;
      }
      dictionaryPageOffset = BigInt(writer.offset);
      const raw = dictionary.getBytes();
      const compressed = this.#compress(raw);
      const headerStart = writer.offset;
      writePageHeader(writer, {
        type: 'DICTIONARY_PAGE',
        uncompressed_page_size: raw.length,
        compressed_page_size: compressed.length,
        dictionary_page_header: { num_values: entries.length, encoding: 'PLAIN' },
      });
      uncompressed += writer.offset - headerStart + raw.length;
      writer.appendBytes(compressed);
      writeRleBitPackedHybrid(levels, present.subarray(0, rows), 1);
      const width = entries.length > 1 ? 32 - Math.clz32(entries.length - 1) : 0;
      page.appendUint8(width);
      writeRleBitPackedHybrid(page, indices.subarray(0, k), width);
      statistics = { null_count: BigInt(nulls), ...(min && { min_value: min, max_value: max }) };
    }

    const dataPageOffset = BigInt(writer.offset);
    const raw = pageBytes ?? page.getBytes();
    const compressed = this.#compress(raw);
    const headerStart = writer.offset;
    writePageHeader(writer, {
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: levels.offset + raw.length,
      compressed_page_size: levels.offset + compressed.length,
      data_page_header_v2: {
        num_values: rows,
        num_nulls: nulls,
        num_rows: rows,
        encoding,
        definition_levels_byte_length: levels.offset,
        repetition_levels_byte_length: 0,
        is_compressed: this.#codec !== 'UNCOMPRESSED',
      },
    });
    uncompressed += writer.offset - headerStart + levels.offset + raw.length;
    writer.appendBytes(levels.getBytes());
    writer.appendBytes(compressed);
    const dictionaryEncoded = dictionaryPageOffset !== undefined;
    return {
      file_offset: BigInt(chunkStart),
      meta_data: {
        type: column.type === 'int64' ? 'INT64' : column.type === 'double' ? 'DOUBLE' : 'BYTE_ARRAY',
        encodings: dictionaryEncoded ? ['PLAIN', encoding] : [encoding],
        path_in_schema: [column.name],
        codec: this.#codec,
        num_values: BigInt(rows),
        total_uncompressed_size: BigInt(uncompressed),
        total_compressed_size: BigInt(writer.offset - chunkStart),
        data_page_offset: dataPageOffset,
        dictionary_page_offset: dictionaryPageOffset,
        statistics,
        encoding_stats: [
          ...(dictionaryEncoded ? [{ page_type: 'DICTIONARY_PAGE' as const, encoding: 'PLAIN' as const, count: 1 }] : []),
          { page_type: 'DATA_PAGE_V2', encoding, count: 1 },
        ],
      },
    };
  }

  #compress(bytes: Uint8Array): Uint8Array {
    if (this.#codec === 'SNAPPY') return snappyCompress(bytes);
    if (this.#codec === 'ZSTD') return zstdCompressSync(bytes, { params: { [constants.ZSTD_c_compressionLevel]: 1 } });
    return bytes;
  }
}

function schemaOf(columns: readonly ColumnData[]): SchemaElement[] {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.map(({ name, type }): SchemaElement => {
      if (type === 'int64') return { type: 'INT64', repetition_type: 'REQUIRED', name };
      if (type === 'double') return { type: 'DOUBLE', repetition_type: 'OPTIONAL', name };
      return { type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', name, converted_type: 'UTF8' };
    }),
  ];
}

function checkInt64(name: string, values: Float64Array, rows: number): void {
  for (let i = 0; i < rows; i++)
    if (!Number.isInteger(values[i]) || values[i] < -(2 ** 63) || values[i] >= 2 ** 63)
      throw new Error(`column "${name}" is int64 but row ${i} holds ${values[i]}`);
}

/** UTF-8 byte order (code point order), as Parquet orders BYTE_ARRAY statistics. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * DELTA_BINARY_PACKED of whole numbers within ±2⁵¹ (so every delta, its zigzag and its offset from the
 * block's minimum are exact doubles): blocks of 128 values in 4 miniblocks of 32, as hyparquet-writer.
 */
function deltaPack(writer: ByteWriter, values: Float64Array): void {
  const count = values.length;
  varint(writer, 128);
  varint(writer, 4);
  varint(writer, count);
  if (!count) return varint(writer, 0);
  varint(writer, zigzag(values[0]));
  const deltas = new Float64Array(128);
  for (let i = 1; i < count; i += 128) {
    const n = Math.min(128, count - i);
    let minDelta = Infinity;
    for (let j = 0; j < n; j++) {
      const d = values[i + j] - values[i + j - 1];
      deltas[j] = d;
      if (d < minDelta) minDelta = d;
    }
    varint(writer, zigzag(minDelta));
    const widths = [0, 0, 0, 0];
    for (let m = 0; m * 32 < n; m++) {
      let widest = 0;
      for (let j = m * 32; j < Math.min(n, m * 32 + 32); j++) if (deltas[j] - minDelta > widest) widest = deltas[j] - minDelta;
      widths[m] = bitLength(widest);
    }
    for (const w of widths) writer.appendUint8(w);
    for (let m = 0; m * 32 < n; m++) {
      const width = widths[m];
      if (!width) continue;
      let byte = 0;
      let used = 0;
      for (let j = m * 32; j < m * 32 + 32; j++) {
        // Past the last value the miniblock is padded with zeros.
        let rest = j < n ? deltas[j] - minDelta : 0;
        for (let left = width; left > 0;) {
          const take = Math.min(8 - used, left);
          const scale = 1 << take;
          const part = rest % scale;
          byte |= part << used;
          rest = (rest - part) / scale;
          used += take;
          left -= take;
          if (used === 8) {
            writer.appendUint8(byte);
            byte = 0;
            used = 0;
          }
        }
      }
    }
  }
}

function zigzag(n: number): number {
  return n >= 0 ? 2 * n : -2 * n - 1;
}

/** An unsigned LEB128 varint of a whole number up to 2⁵³. */
function varint(writer: ByteWriter, value: number): void {
  while (value >= 128) {
    writer.appendUint8((value % 128) | 128);
    value = Math.floor(value / 128);
  }
  writer.appendUint8(value);
}

function bitLength(value: number): number {
  return value < 2 ** 32 ? 32 - Math.clz32(value) : 64 - Math.clz32(Math.floor(value / 2 ** 32));
}
