import { parquetHeader } from 'hyparquet/src/column.js';
import type { AsyncBuffer, ColumnMetaData, FileMetaData } from 'hyparquet';

/**
 * Rows of one row group: the reader builds a whole group's rows at once. Writers' defaults are far below
 * (DuckDB 122,880, pyarrow 1,048,576; Spark's 128 MB of candles holds a few million).
 */
export const MAX_ROWS_PER_GROUP = 1 << 24;

/**
 * Why a file's footer cannot be trusted, or undefined: its counts and column chunks must fit the file
 * and each other before any is used to size an allocation (a corrupt count of 2^31 rows would be).
 */
export function footerProblem(metadata: FileMetaData, fileSize: number, columns: readonly string[]): string | undefined {
  const dataEnd = fileSize - 8 - metadata.metadata_length;
  let rows = 0;
  for (const [g, group] of metadata.row_groups.entries()) {
    const groupRows = Number(group.num_rows);
    if (!Number.isSafeInteger(groupRows) || groupRows < 0) return `row group ${g} has ${group.num_rows} rows`;
    if (groupRows > MAX_ROWS_PER_GROUP)
      return `row group ${g} has ${groupRows} rows, more than the ${MAX_ROWS_PER_GROUP} this reader holds at once`;
    rows += groupRows;
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (!meta || !columns.includes(meta.path_in_schema[0])) continue;
      const name = meta.path_in_schema.join('.');
      const [start, end] = chunkRange(meta);
      if (!(start >= 4 && end <= dataEnd && start <= end))
        return `column '${name}' in row group ${g} claims bytes ${start}–${end} of a file of ${fileSize}`;
      const values = Number(meta.num_values);
      const flat = meta.path_in_schema.length === 1;
      if (flat ? values !== groupRows : !(values >= 0 && values <= MAX_ROWS_PER_GROUP))
        return `column '${name}' in row group ${g} has ${meta.num_values} values for ${groupRows} rows`;
    }
  }
  if (rows !== Number(metadata.num_rows)) return `its row groups hold ${rows} rows, its footer says ${metadata.num_rows}`;
  return undefined;
}

/** Where hyparquet reads a column chunk: from its dictionary page, if any, for its compressed size. */
export function chunkRange(meta: ColumnMetaData): [number, number] {
  const dictionary = meta.dictionary_page_offset === undefined ? undefined : Number(meta.dictionary_page_offset);
  const data = Number(meta.data_page_offset);
  const start = dictionary && dictionary < data ? dictionary : data;
  return [start, start + Number(meta.total_compressed_size)];
}

/**
 * The file as hyparquet reads it, with every page header of a requested column chunk checked as its bytes
 * arrive, before hyparquet sizes arrays by them: a page's values fit what its chunk has left, its bytes fit
 * the chunk. (hyparquet fetches whole chunks, several adjacent ones in one range.)
 */
export function boundedBuffer(file: AsyncBuffer, metadata: FileMetaData, columns: readonly string[]): AsyncBuffer {
  const optional = new Set(
    metadata.schema
      .slice(1)
      .filter((s) => s.repetition_type === 'OPTIONAL')
      .map((s) => s.name),
  );
  const chunks = metadata.row_groups.flatMap((group) =>
    group.columns.flatMap((chunk) => (chunk.meta_data && columns.includes(chunk.meta_data.path_in_schema[0]) ? [chunk.meta_data] : [])),
  );
  return {
    byteLength: file.byteLength,
    slice(start: number, end = file.byteLength) {
      const bytes = checkedSlice(start, end);
      // hyparquet starts every fetch of a read at once and may stop at the first failure: the others'
      // rejections are handled here, or one would end the process as an unhandled rejection.
      bytes.catch(() => undefined);
      return bytes;
    },
  };

  async function checkedSlice(start: number, end: number): Promise<ArrayBuffer> {
    if (!(start >= 0 && start <= end && end <= file.byteLength))
      throw new Error(`a read of bytes ${start}–${end} of a file of ${file.byteLength}`);
    const fetched = await file.slice(start, end);
    const bytes = new WatchedBytes(fetched.byteLength);
    new Uint8Array(bytes).set(new Uint8Array(fetched));
    const stop = start + bytes.byteLength;
    for (const meta of chunks) {
      const [from, to] = chunkRange(meta);
      const levels =
        meta.path_in_schema.length > 1 ? undefined : { definition: optional.has(meta.path_in_schema[0]), boolean: meta.type === 'BOOLEAN' };
      if (from >= start && to <= stop) checkPages(new DataView(bytes, from - start, to - from), meta, levels);
    }
    return bytes;
  }
}

/**
 * Fetched bytes that carry the checks due on their pages once decompressed, by byte offset. hyparquet cuts
 * a fetched range into chunks with slice(): the copy is made as this class (ArrayBuffer's species) and
 * takes the checks of its part along.
 */
class WatchedBytes extends ArrayBuffer {
  readonly checks = new Map<number, (page: Uint8Array) => void>();

  override slice(begin = 0, end = this.byteLength): ArrayBuffer {
    const copy = super.slice(begin, end) as WatchedBytes;
    for (const [at, check] of this.checks) if (at >= begin && at < end) copy.checks.set(at - begin, check);
    return copy;
  }
}

function checkPages(view: DataView, meta: ColumnMetaData, levels: { definition: boolean; boolean: boolean } | undefined): void {
  const name = meta.path_in_schema.join('.');
  const reader = { view, offset: 0 };
  let left = Number(meta.num_values);
  while (left > 0 && reader.offset < view.byteLength) {
    const at = reader.offset;
    const header = parquetHeader(reader);
    const problem = pageProblem(header, view.byteLength - reader.offset, left);
    if (problem) throw new Error(`column '${name}': the page at byte ${at} of its chunk ${problem}`);
    // Runs inside the page (a flat column's; nested ones are not read for candles) are checked once decompressed.
    if (levels)
      watchRuns(
        view,
        reader.offset,
        header,
        levels,
        meta.codec === 'UNCOMPRESSED',
        `column '${name}': the page at byte ${at} of its chunk`,
      );
    left -= header.data_page_header?.num_values ?? header.data_page_header_v2?.num_values ?? 0;
    reader.offset += header.compressed_page_size;
  }
}

/**
 * hyparquet decodes a run-length run of N values by writing all N, past the array it sized by the page's
 * count (a corrupt run of 2^31 grows it to gigabytes), and a bit-packed run of N groups by looping over
 * them all. So each run of a page's levels and dictionary indices is checked to fit that count first:
 * at once for an uncompressed page, else when PARQUET_DECOMPRESSORS has decompressed it (checkDecompressed).
 */
type PageHeader = ReturnType<typeof parquetHeader>;

/**
 * hyparquet decodes a run-length run of N values by writing all N, past the array it sized by the page's
 * count (a corrupt run of 2^31 grows it to gigabytes), and a bit-packed run of width 0 by looping over it
 * all. So each run of a page's definition levels and dictionary indices is checked to fit that count
 * first: at once for an uncompressed page, else when PARQUET_DECOMPRESSORS has decompressed it.
 */
function watchRuns(
  chunk: DataView,
  dataAt: number,
  header: PageHeader,
  { definition, boolean }: { definition: boolean; boolean: boolean },
  uncompressed: boolean,
  where: string,
): void {
  const at = chunk.byteOffset + dataAt;
  const fail = (what: string) => {
    throw new Error(
      `${where} has a ${what} run longer than its ${header.data_page_header?.num_values ?? header.data_page_header_v2?.num_values} values`,
    );
  };
  let check: ((page: Uint8Array) => void) | undefined;
  let checkAt = at;
  const v1 = header.data_page_header;
  const v2 = header.data_page_header_v2;
  if (v1) {
    const values = v1.num_values;
    const dictionary = ['PLAIN_DICTIONARY', 'RLE_DICTIONARY', 'RLE'].includes(v1.encoding);
    check = (page) => {
      const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
      let offset = 0;
      if (definition) {
        const length = view.getUint32(0, true);
        if (!runsFit(view, 4, 1, values)) fail('definition level');
        offset = 4 + length;
      }
      if (dictionary && offset < view.byteLength) {
        // Booleans' RLE comes after its length, dictionary indices after their bit width.
        const fits = boolean ? runsFit(view, offset + 4, 1, values) : runsFit(view, offset + 1, view.getUint8(offset), values);
        if (!fits) fail('value');
      }
    };
  } else if (v2) {
    const view = new DataView(chunk.buffer, at, Math.min(header.compressed_page_size, chunk.byteLength - dataAt));
    const levelsEnd = v2.repetition_levels_byte_length + v2.definition_levels_byte_length;
    if (definition && !runsFit(view, v2.repetition_levels_byte_length, 1, v2.num_values)) fail('definition level');
    if (['PLAIN_DICTIONARY', 'RLE_DICTIONARY', 'RLE'].includes(v2.encoding)) {
      checkAt = at + levelsEnd;
      check = (page) => {
        const values = new DataView(page.buffer, page.byteOffset, page.byteLength);
        const fits = boolean ? runsFit(values, 4, 1, v2.num_values) : runsFit(values, 1, values.getUint8(0), v2.num_values);
        if (values.byteLength && !fits) fail('value');
      };
      if (v2.is_compressed === false)
        return check(new Uint8Array(chunk.buffer, checkAt, Math.max(0, header.compressed_page_size - levelsEnd)));
    }
  }
  if (!check) return;
  if (uncompressed) return check(new Uint8Array(chunk.buffer, at, header.compressed_page_size));
  if (chunk.buffer instanceof WatchedBytes) chunk.buffer.checks.set(checkAt, check);
}

/** After a page is decompressed: its runs checked, if its header asked for it (see watchRuns). */
export function checkDecompressed(input: Uint8Array, page: Uint8Array): Uint8Array {
  if (input.buffer instanceof WatchedBytes) input.buffer.checks.get(input.byteOffset)?.(page);
  return page;
}

/**
 * Whether the RLE/bit-packed hybrid stream at `offset` fits `values` values as hyparquet reads it: runs
 * until it has that many, headers as 32-bit varints, past the stream's stated length if need be. A read
 * past the page fails in hyparquet, which is safe; a run too long is not.
 */
function runsFit(view: DataView, offset: number, width: number, values: number): boolean {
  let seen = 0;
  while (seen < values) {
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      if (offset >= view.byteLength) return true;
      const byte = view.getUint8(offset++);
      header |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) break;
    }
    if (header & 1) {
      // Bit-packed: with a width, every value reads bits, so the page's end stops it; without, nothing does.
      const count = (header >> 1) << 3;
      if (width === 0 && (count < 0 || count > values - seen + 7)) return false;
      if (count < 0) return true;
      seen += count;
      offset += Math.ceil((count * width) / 8);
    } else {
      const count = header >>> 1;
      if (count > values - seen) return false;
      seen += count;
      offset += (width + 7) >> 3;
    }
  }
  return true;
}

function pageProblem(header: PageHeader, bytesLeft: number, valuesLeft: number): string | undefined {
  const { compressed_page_size: compressed, uncompressed_page_size: uncompressed } = header;
  if (!(compressed >= 0 && compressed <= bytesLeft)) return `claims ${compressed} bytes, ${bytesLeft} are left`;
  if (!(uncompressed >= 0)) return `claims ${uncompressed} bytes uncompressed`;
  const values = header.data_page_header?.num_values ?? header.data_page_header_v2?.num_values;
  if (values !== undefined && !(values >= 0 && values <= valuesLeft)) return `claims ${values} values, ${valuesLeft} are left`;
  const v2 = header.data_page_header_v2;
  if (v2 && !(v2.num_nulls >= 0 && v2.num_nulls <= v2.num_values && v2.num_rows >= 0 && v2.num_rows <= v2.num_values))
    return 'has inconsistent counts';
  if (
    v2 &&
    !(
      v2.definition_levels_byte_length >= 0 &&
      v2.repetition_levels_byte_length >= 0 &&
      v2.definition_levels_byte_length + v2.repetition_levels_byte_length <= compressed
    )
  )
    return 'has levels past its end';
  const dictionary = header.dictionary_page_header?.num_values;
  if (dictionary !== undefined && !(dictionary >= 0 && dictionary <= uncompressed))
    return `claims ${dictionary} dictionary values in ${uncompressed} bytes`;
  return undefined;
}
