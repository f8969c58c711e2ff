import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import fc from 'fast-check';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { deltaBinaryUnpack } from 'hyparquet/src/delta.js';
import { ByteWriter } from 'hyparquet-writer';
import { deltaBinaryPack } from 'hyparquet-writer/src/delta.js';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSyntheticCandles } from '../../bench/syntheticCandles.ts';
import { ColumnBuffer } from '../../io/parquet/ColumnBuffer.ts';
import { decodesColumnar, readParquetColumnRows, readParquetColumns, type ColumnValues } from '../../io/parquet/ParquetColumnReader.ts';
import { parquetMetadata, readParquetRows, type ParquetLocation } from '../../io/parquet/ParquetRowReader.ts';
import { deltaBinaryUnpackHalves, int64BigInt, int64Number, int64Quotient } from '../../io/parquet/int64Halves.ts';
import { StringInterner } from '../../io/parquet/StringInterner.ts';

/**
 * readParquetColumns against the path backfill reads today (readParquetRows), value for value (Object.is:
 * -0, NaN and null apart), and against readers of their own: pyarrow (the fixtures' expected.json),
 * hyparquet's parquetRead and DuckDB.
 */
const FIXTURES = join(import.meta.dirname, '../fixtures/parquet');
const work = mkdtempSync(join(tmpdir(), 'cs-columns-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Expected {
  fixture: string;
  path: string;
  timeColumn: string;
  columns: string[];
  parquet: { types: Record<string, string> };
  rows: (number | string | null)[][];
}
const fixtures: Expected[] = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.expected.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Expected);

/** A fixture's data files in path order (Spark's part files and Hive directories), as the fixtures' rows list them. */
function dataFiles(path: string): string[] {
  if (path.endsWith('.parquet')) return [path];
  return readdirSync(path, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.parquet') && !f.split(sep).some((p) => p.startsWith('.') || p.startsWith('_')))
    .sort()
    .map((f) => join(path, f));
}

/** Row values of a column as readParquetRows gives them: numbers, strings, null. */
function rowValues(column: ColumnValues, strings: StringInterner): unknown[] {
  if (column.kind === 'string') return Array.from(column.ids, (id) => (id < 0 ? null : strings.name(id)));
  if (column.kind === 'other') return [...column.values];
  return Array.from(column.values, (v, i) => (column.nulls?.[i] ? null : v));
}

async function readColumns(location: ParquetLocation, columns?: string[]) {
  const strings = new StringInterner();
  const groups: { rows: number; rowStart: number; values: Map<string, unknown[]> }[] = [];
  for await (const group of readParquetColumns(location, { columns, strings })) {
    const values = new Map([...group.columns].map(([name, column]) => [name, rowValues(column, strings)]));
    for (const v of values.values()) expect(v.length).toBe(group.rows);
    groups.push({ rows: group.rows, rowStart: group.rowStart, values });
  }
  return groups;
}

async function readRows(location: ParquetLocation, columns?: string[]) {
  const groups: { rowNumbers: number[]; rows: Record<string, unknown>[] }[] = [];
  for await (const batch of readParquetRows(location, { columns }))
    groups.push({ rowNumbers: batch.map((r) => r.rowNumber), rows: batch.map((r) => r.row) });
  return groups;
}

/** The first difference between the two readings, or null: group sizes, row numbers, names, then values by Object.is. */
async function difference(location: ParquetLocation, columns?: string[]): Promise<string | null> {
  const [byColumns, byRows] = [await readColumns(location, columns), await readRows(location, columns)];
  if (byColumns.length !== byRows.length) return `${byColumns.length} groups vs ${byRows.length}`;
  for (const [g, group] of byColumns.entries()) {
    const rows = byRows[g];
    if (group.rows !== rows.rows.length) return `group ${g}: ${group.rows} rows vs ${rows.rows.length}`;
    if (rows.rowNumbers.some((n, i) => n !== group.rowStart + i + 1)) return `group ${g}: row numbers`;
    const names = Object.keys(rows.rows[0] ?? {});
    if (rows.rows.length && names.sort().join() !== [...group.values.keys()].sort().join())
      return `group ${g}: columns ${[...group.values.keys()]} vs ${names}`;
    for (const [name, values] of group.values)
      for (let i = 0; i < values.length; i++)
        if (!Object.is(values[i], rows.rows[i][name]))
          return `group ${g} row ${i} ${name}: ${String(values[i])} vs ${String(rows.rows[i][name])}`;
  }
  return null;
}

describe('readParquetColumns on the fixtures Spark, pyarrow and DuckDB wrote', () => {
  const files = fixtures.flatMap((e) => dataFiles(join(FIXTURES, e.path)).map((file) => [file.slice(FIXTURES.length + 1), e] as const));

  it.each(files)('%s: every column, value for value as readParquetRows', async (file) => {
    expect(await difference(join(FIXTURES, file))).toBeNull();
  });

  it.each(files)('%s: readParquetColumnRows gives the rows readParquetRows gives: keys in order, values, row numbers', async (file) => {
    const byColumns = [];
    for await (const batch of readParquetColumnRows(join(FIXTURES, file))) byColumns.push(batch);
    const byRows = [];
    for await (const batch of readParquetRows(join(FIXTURES, file))) byRows.push(batch);
    expect(byColumns.map((b) => b.length)).toEqual(byRows.map((b) => b.length));
    const rowsA = byColumns.flat();
    const rowsB = byRows.flat();
    expect(rowsA.map((r) => [r.rowNumber, Object.keys(r.row)])).toEqual(rowsB.map((r) => [r.rowNumber, Object.keys(r.row)]));
    for (let i = 0; i < rowsA.length; i++)
      for (const k of Object.keys(rowsB[i].row)) if (!Object.is(rowsA[i].row[k], rowsB[i].row[k])) throw new Error(`row ${i} ${k}`);
  });

  it.each(files)('%s: the columns the page path covers, decoded by it, value for value as readParquetRows', async (file) => {
    const metadata = await parquetMetadata(join(FIXTURES, file));
    const covered = metadata.schema
      .slice(1)
      .flatMap((s) => (decodesColumnar(metadata, [s.name.toLowerCase()]) ? [s.name.toLowerCase()] : []));
    expect(decodesColumnar(metadata, covered)).toBe(true);
    expect(covered.length).toBeGreaterThan(0);
    expect(await difference(join(FIXTURES, file), covered)).toBeNull();
  });

  it('decodes every fixture itself but those with INT96 time or DECIMALs in bytes (read by readParquetRows)', async () => {
    for (const [file, e] of files) {
      const types = Object.values(e.parquet.types).join();
      expect(decodesColumnar(await parquetMetadata(join(FIXTURES, file))), file).toBe(!/INT96|FIXED_LEN_BYTE_ARRAY/.test(types));
    }
  });

  it.each(fixtures.map((e) => [e.fixture, e] as const))(
    '%s: the rows pyarrow reads (time in epoch ms, decimals the nearest double)',
    async (_n, e) => {
      const got: unknown[][] = [];
      for (const file of dataFiles(join(FIXTURES, e.path))) {
        const partition = Object.fromEntries(
          file
            .split(sep)
            .filter((p) => p.includes('='))
            .map((p) => p.split('=')),
        );
        for (const group of await readColumns(file))
          for (let i = 0; i < group.rows; i++)
            got.push(e.columns.map((c) => (group.values.has(c) ? group.values.get(c)![i] : partition[c])));
      }
      expect(got).toEqual(e.rows);
    },
  );
});

describe('readParquetColumns on the synthetic bench input and on our own writer', () => {
  it('the synthetic candles: as DuckDB and hyparquet read them', async () => {
    const path = join(work, 'synthetic.parquet');
    const n = await writeSyntheticCandles(path, 23, 211);
    const con = await (await DuckDBInstance.create(':memory:')).connect();
    const duck = (
      await con.runAndReadAll(
        `SELECT symbol, ts, open, high, low, close, volume FROM read_parquet('${path}', file_row_number = true) ORDER BY file_row_number`,
      )
    ).getRows();
    con.closeSync();
    const hyparquet: Record<string, unknown>[] = await new Promise((resolve) =>
      asyncBufferFromFile(path).then((file) => parquetRead({ file, rowFormat: 'object', onComplete: (rows) => resolve(rows as never) })),
    );
    expect(decodesColumnar(await parquetMetadata(path))).toBe(true);
    const groups = await readColumns(path);
    const columns = ['symbol', 'ts', 'open', 'high', 'low', 'close', 'volume'];
    const ours = groups.flatMap((g) => Array.from({ length: g.rows }, (_, i) => columns.map((c) => g.values.get(c)![i])));
    expect(ours.length).toBe(n);
    expect(ours).toEqual(duck.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v))));
    expect(ours).toEqual(hyparquet.map((r) => columns.map((c) => (typeof r[c] === 'bigint' ? Number(r[c]) : r[c]))));
    expect(await difference(path)).toBeNull();
  });

  it('ColumnBuffer files (INT64 delta time, nullable doubles with NaN, -0, ±Infinity, strings with nulls)', async () => {
    const buffer = new ColumnBuffer([
      { name: 'ts', type: 'int64' },
      { name: 'close', type: 'double' },
      { name: 'symbol', type: 'string' },
    ]);
    const specials = [NaN, -0, 0, Infinity, -Infinity, null, 5e-324, Number.MAX_VALUE];
    let ts = -1_700_000_000_123;
    for (let i = 0; i < 5000; i++) {
      ts += i % 97 === 0 ? -3_600_000 * (i % 5) : 60_000 + (i % 7);
      const close = i % 11 === 0 ? specials[(i / 11) % specials.length] : Math.sin(i) * 1e4;
      buffer.append({ ts, close, symbol: i % 13 === 0 ? null : `S${i % 17}` });
    }
    const path = join(work, 'ours.parquet');
    writeFileSync(path, buffer.encode(1234));
    expect(decodesColumnar(await parquetMetadata(path))).toBe(true);
    expect(await difference(path)).toBeNull();
  });

  it('NaN, null, -0 and ±Infinity as DuckDB writes them: NaN stays NaN, null is NaN with its nulls bit', async () => {
    const path = join(work, 'specials.parquet');
    const con = await (await DuckDBInstance.create(':memory:')).connect();
    await con.run(
      `COPY (SELECT * FROM (VALUES (1, 'nan'::DOUBLE), (2, NULL), (3, -0.0::DOUBLE), (4, 'inf'::DOUBLE), (5, '-inf'::DOUBLE), (6, 1.5)) t(i, x)) TO '${path}' (FORMAT parquet)`,
    );
    con.closeSync();
    const group = (await readParquetColumns(path).next()).value!;
    const x = group.columns.get('x')!;
    expect(x.kind).toBe('number');
    if (x.kind !== 'number') return;
    expect([...x.values]).toEqual([NaN, NaN, -0, Infinity, -Infinity, 1.5]);
    expect(Object.is(x.values[2], -0)).toBe(true);
    expect([...x.nulls!]).toEqual([0, 1, 0, 0, 0, 0]);
    expect(await difference(path)).toBeNull();
  });

  it('fetches no more ranges than readParquetRows (adjacent chunks in one request, as over WebHDFS)', async () => {
    for (const name of ['duckdb_row_groups_snappy.parquet', 'pyarrow_row_groups_dict_snappy.parquet']) {
      const bytes = readFileSync(join(FIXTURES, name));
      const counting = () => {
        const counter = { slices: 0 };
        const buffer = {
          byteLength: bytes.length,
          slice: async (start: number, end?: number) => {
            counter.slices++;
            return bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + (end ?? bytes.length)) as ArrayBuffer;
          },
        };
        return { counter, source: { uri: `mem://${name}`, buffer: async () => buffer } };
      };
      const byColumns = counting();
      const groups = (await readColumns(byColumns.source)).length;
      const byRows = counting();
      await readRows(byRows.source);
      expect(groups, name).toBeGreaterThan(1);
      expect(byColumns.counter.slices, name).toBeLessThanOrEqual(byRows.counter.slices);
    }
  });

  it('strings are interned once per distinct value, through the interner given', async () => {
    const path = join(work, 'synthetic-strings.parquet');
    await writeSyntheticCandles(path, 7, 50);
    const strings = new StringInterner();
    strings.intern('ALREADY');
    for await (const group of readParquetColumns(path, { columns: ['symbol'], strings })) {
      const column = group.columns.get('symbol')!;
      expect(column.kind).toBe('string');
    }
    expect(strings.size).toBe(8);
  });
});

describe('INT64 as 32-bit halves', () => {
  const int64 = fc.oneof(
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.bigInt({ min: -(2n ** 54n), max: 2n ** 54n }),
    fc.constantFrom(0n, -1n, 1n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 999n, -999n, -1000n, -1_000_001n),
  );
  const split = (v: bigint): [number, number] => [Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))];

  it('Number(v) and v / 1000 or 1,000,000 truncated, exactly as BigInt computes them', () => {
    fc.assert(
      fc.property(int64, (v) => {
        const [lo, hi] = split(v);
        expect(int64BigInt(lo, hi)).toBe(v);
        expect(int64Number(lo, hi)).toBe(Number(v));
        expect(int64Quotient(lo, hi, 1000)).toBe(Number(v / 1000n));
        expect(int64Quotient(lo, hi, 1_000_000)).toBe(Number(v / 1_000_000n));
      }),
      { numRuns: 20_000 },
    );
  });

  it('DELTA_BINARY_PACKED as hyparquet-writer packs it: the values hyparquet unpacks with BigInt, wrap-around included', () => {
    fc.assert(
      fc.property(fc.array(int64, { maxLength: 700 }), fc.boolean(), (values, smooth) => {
        // Smooth series (times) give narrow miniblocks; random ones the full 64 bits.
        const series = smooth ? values.map((v, i) => BigInt.asIntN(64, 1_700_000_000_000n + BigInt(i) * 60_000n + (v % 7n))) : values;
        const writer = new ByteWriter();
        deltaBinaryPack(writer, BigInt64Array.from(series), 'INT64');
        const bytes = new Uint8Array(writer.getBuffer());
        const reference = new BigInt64Array(series.length);
        if (series.length) deltaBinaryUnpack({ view: new DataView(bytes.buffer), offset: 0 }, series.length, reference);
        const halves = new Int32Array(2 * series.length);
        const reader = { view: new DataView(bytes.buffer), offset: 0 };
        deltaBinaryUnpackHalves(reader, series.length, halves);
        expect([...new BigInt64Array(halves.buffer)]).toEqual([...reference]);
        expect([...reference]).toEqual(series);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('a broken Parquet file, read by columns', () => {
  const fixture = join(FIXTURES, 'pyarrow_ts_ms_snappy.parquet');
  const drain = async (location: ParquetLocation) => {
    for await (const group of readParquetColumns(location)) void group;
  };
  const rowsError = async (location: ParquetLocation) => {
    try {
      for await (const batch of readParquetRows(location)) void batch;
    } catch (e) {
      return (e as Error).message;
    }
    return undefined;
  };

  it('a corrupt page header: the error names the file, the rows and the column', async () => {
    const bytes = new Uint8Array(readFileSync(fixture));
    const metadata = await parquetMetadata(fixture);
    const column = metadata.row_groups[0].columns.find((c) => c.meta_data!.path_in_schema[0] === 'close')!;
    const at = Number(column.meta_data!.data_page_offset);
    bytes.fill(0xff, at, at + 24);
    const path = join(work, 'BTCUSDT_corrupt.parquet');
    writeFileSync(path, bytes);
    await expect(drain(path)).rejects.toThrow(new RegExp(`^${path}: cannot read rows 0–\\d+, column 'close'`));
    expect(await rowsError(path)).toMatch(new RegExp(`^${path}: cannot read rows 0–\\d+, column 'close'`));
  });

  it('truncated: not a readable Parquet file, as today', async () => {
    const path = join(work, 'BTCUSDT_truncated.parquet');
    const bytes = readFileSync(fixture);
    writeFileSync(path, bytes.subarray(0, bytes.length >> 1));
    await expect(drain(path)).rejects.toThrow(`${path}: not a readable Parquet file`);
  });

  it('a run past what its page holds: refused before it sizes anything, naming the column, with the message readParquetRows gives', async () => {
    const dir = join(FIXTURES, 'spark_nulls_nodict_uncompressed');
    const part = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.parquet'))!,
    );
    const bytes = new Uint8Array(readFileSync(part));
    const column = (await parquetMetadata(part)).row_groups[0].columns.find((c) => c.meta_data!.path_in_schema[0] === 'close')!.meta_data!;
    const at = Number(column.data_page_offset);
    const reader = { view: new DataView(bytes.buffer, bytes.byteOffset + at), offset: 0 };
    parquetHeader(reader);
    bytes.set([0x80, 0x80, 0x80, 0x80, 0x08], at + reader.offset + 4);
    const source = { uri: 'mem://BTCUSDT_run.parquet', buffer: async () => bytes.buffer.slice(0) as ArrayBuffer };
    const started = Date.now();
    // Only the DOUBLE columns, so the page path (not the INT96 fallback) reads it.
    const columns = ['open', 'high', 'low', 'close', 'volume'];
    expect(decodesColumnar(await parquetMetadataAsync(await source.buffer()), columns)).toBe(true);
    const read = async () => {
      for await (const group of readParquetColumns(source, { columns })) void group;
    };
    await expect(read()).rejects.toThrow(
      /^mem:\/\/BTCUSDT_run\.parquet: cannot read rows .*column 'close'.*definition level run longer than its \d+ values/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a dictionary index past the dictionary: an error naming the column, not a wrong value', async () => {
    const path = join(work, 'dict.parquet');
    await writeSyntheticCandles(path, 3, 40);
    const metadata = await parquetMetadata(path);
    const symbol = metadata.row_groups[0].columns.find((c) => c.meta_data!.path_in_schema[0] === 'symbol')!.meta_data!;
    expect(symbol.encodings.some((e) => e.endsWith('_DICTIONARY'))).toBe(true);
    // Rewrite the file uncompressed, so a dictionary index byte can be changed in place.
    const plain = join(work, 'dict-plain.parquet');
    const con = await (await DuckDBInstance.create(':memory:')).connect();
    await con.run(`COPY (SELECT * FROM '${path}') TO '${plain}' (FORMAT parquet, COMPRESSION uncompressed)`);
    con.closeSync();
    const bytes = new Uint8Array(readFileSync(plain));
    const meta = (await parquetMetadata(plain)).row_groups[0].columns.find((c) => c.meta_data!.path_in_schema[0] === 'symbol')!.meta_data!;
    const reader = { view: new DataView(bytes.buffer, Number(meta.data_page_offset)), offset: 0 };
    const header = parquetHeader(reader);
    expect(header.type).toBe('DATA_PAGE');
    // The page: [definition levels: u32 length + runs][bit width][indices]; an RLE run of index 200.
    const levels = new DataView(bytes.buffer, Number(meta.data_page_offset) + reader.offset).getUint32(0, true);
    const indices = Number(meta.data_page_offset) + reader.offset + 4 + levels;
    const width = bytes[indices];
    expect(width).toBe(2);
    // One RLE run (header 120 << 1 as a varint) of index 3, past the 3 entries.
    bytes.set([0xf0, 0x01, 3], indices + 1);
    const broken = join(work, 'dict-broken.parquet');
    writeFileSync(broken, bytes);
    await expect(drain(broken)).rejects.toThrow(
      new RegExp(`^${broken}: cannot read rows 0–120, column 'symbol' \\(dictionary index \\d+ past its 3 entries\\)`),
    );
  });
});
