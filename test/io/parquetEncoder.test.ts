import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parquetMetadata, parquetRead } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { readParquetColumns } from '../../io/parquet/ParquetColumnReader.ts';
import { PARQUET_DECOMPRESSORS } from '../../io/parquet/ParquetRowReader.ts';
import { ParquetEncoder, type ColumnData } from '../../io/parquet/ParquetEncoder.ts';
import { StringInterner } from '../../io/parquet/StringInterner.ts';

/**
 * ParquetEncoder against hyparquet-writer (what ColumnBuffer used before it), both read back by DuckDB and
 * hyparquet: the same values bit for bit (nulls, NaN written as null, -0, ±Infinity, extreme int64s, UTF-8),
 * the same column types, and row-group statistics that DuckDB reads as the true minimum and maximum.
 */
const work = mkdtempSync(join(tmpdir(), 'cs-encoder-'));
let con: DuckDBConnection;
beforeAll(async () => {
  con = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => {
  con.closeSync();
  rmSync(work, { recursive: true, force: true });
});

/** The feature sink's columns as parseSinkUri types them; ColumnBuffer writes numbers first, then strings. */
const FEATURES = [
  'ts',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'sma_20',
  'ema_12',
  'rsi_14',
  'macd',
  'macd_signal',
  'bb_upper',
  'bb_lower',
];
const TEXT = ['symbol', 'interval'];
const SPECIALS = [NaN, -0, 0, Infinity, -Infinity, 5e-324, -Number.MAX_VALUE, 1 / 3];

interface Rows {
  count: number;
  numbers: Map<string, Float64Array>;
  text: Map<string, (string | null)[]>;
}

function rows(count: number, seed = 1): Rows {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const numbers = new Map(FEATURES.map((c) => [c, new Float64Array(count)]));
  const symbols = ['BTCUSDT', 'ETHUSDT', 'ÉTÉ€', 'A😀', 'Z'];
  const text = new Map(TEXT.map((c) => [c, new Array<string | null>(count)]));
  let ts = 1_677_628_800_000;
  for (let i = 0; i < count; i++) {
    ts += random() < 0.05 ? -Math.floor(random() * 1e9) : 60_000 + (i % 3);
    numbers.get('ts')![i] = ts;
    for (const c of FEATURES.slice(1)) {
      const r = random();
      // Warm-up nulls (NaN) in runs, specials, and ordinary prices.
      numbers.get(c)![i] =
        i % 400 < 20 && c !== 'close' ? NaN : r < 0.05 ? SPECIALS[Math.floor(random() * SPECIALS.length)] : 100 + r * 1000;
    }
    text.get('symbol')![i] = random() < 0.03 ? null : symbols[Math.floor(i / 700) % symbols.length];
    text.get('interval')![i] = i % 2 ? '1m' : '5m';
  }
  return { count, numbers, text };
}

function ours(r: Rows, rowGroupSize: number, encoder = new ParquetEncoder({ rowGroupSize })): Uint8Array {
  const strings = new StringInterner();
  const names: string[] = [];
  const columns: ColumnData[] = [
    ...FEATURES.map((name): ColumnData => ({ name, type: name === 'ts' ? 'int64' : 'double', values: r.numbers.get(name)! })),
    ...TEXT.map((name): ColumnData => {
      const ids = Int32Array.from(r.text.get(name)!, (v) => (v === null ? -1 : strings.intern(v)));
      return { name, type: 'string', ids, names };
    }),
  ];
  for (let id = 0; id < strings.size; id++) names.push(strings.name(id));
  return encoder.encode(columns, r.count);
}

/** The same columns as hyparquet-writer writes them (how ColumnBuffer wrote them before ParquetEncoder): the reference. */
function today(r: Rows, rowGroupSize: number): Uint8Array {
  const columnData: ColumnSource[] = [
    ...FEATURES.map((name): ColumnSource => {
      const values = r.numbers.get(name)!;
      return name === 'ts'
        ? {
            name,
            data: BigInt64Array.from(values.slice(0, r.count), (v) => BigInt(v)),
            type: 'INT64',
            nullable: false,
            encoding: 'DELTA_BINARY_PACKED',
          }
        : { name, data: Array.from(values.slice(0, r.count), (v) => (Number.isNaN(v) ? null : v)), type: 'DOUBLE', encoding: 'PLAIN' };
    }),
    ...TEXT.map((name): ColumnSource => ({ name, data: r.text.get(name)!.slice(0, r.count), type: 'STRING' })),
  ];
  return new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize }));
}

function file(name: string, bytes: Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

/** Every value as DuckDB reads it, with each zero's sign beside it (so -0, 0 and null stay apart). */
async function duckdbRows(path: string): Promise<unknown[][]> {
  const select = ['ts', ...FEATURES.slice(1).map((c) => `${c}, CASE WHEN ${c} = 0 THEN (1 / ${c}) > 0 END`), ...TEXT];
  return (
    await con.runAndReadAll(`SELECT ${select.join(', ')} FROM read_parquet('${path}', file_row_number = true) ORDER BY file_row_number`)
  ).getRows();
}

async function hyparquetRows(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let rows: Record<string, unknown>[] = [];
  await parquetRead({
    file,
    rowFormat: 'object',
    compressors: PARQUET_DECOMPRESSORS,
    onComplete: (r) => (rows = r as Record<string, unknown>[]),
  });
  return rows;
}

describe('ParquetEncoder', () => {
  const data = rows(5003);
  const mine = ours(data, 1000);
  const theirs = today(data, 1000);

  it('DuckDB reads the same values, bit for bit, as from the file hyparquet-writer writes', async () => {
    const [a, b] = [await duckdbRows(file('ours.parquet', mine)), await duckdbRows(file('today.parquet', theirs))];
    expect(a.length).toBe(5003);
    expect(a).toEqual(b);
  });

  it('hyparquet reads the same values (Object.is: -0 and null apart; NaN was written as null)', async () => {
    const [a, b] = [await hyparquetRows(mine), await hyparquetRows(theirs)];
    expect(a.length).toBe(5003);
    for (let i = 0; i < a.length; i++)
      for (const c of [...FEATURES, ...TEXT])
        if (!Object.is(a[i][c], b[i][c])) throw new Error(`row ${i} ${c}: ${String(a[i][c])} vs ${String(b[i][c])}`);
    // And against the input itself: a NaN is null, everything else the same double.
    for (let i = 0; i < a.length; i++)
      for (const c of FEATURES.slice(1)) {
        const v = data.numbers.get(c)![i];
        expect(Object.is(a[i][c], Number.isNaN(v) ? null : v)).toBe(true);
      }
    expect(a.map((r) => Number(r.ts))).toEqual([...data.numbers.get('ts')!]);
    expect(a.map((r) => r.symbol)).toEqual(data.text.get('symbol'));
  });

  it('the column types readers see are today’s: ts INT64, prices nullable DOUBLE, strings UTF8; the same row groups', async () => {
    const schema = async (bytes: Uint8Array) =>
      (
        await con.runAndReadAll(
          `SELECT name, type, repetition_type, converted_type, logical_type FROM parquet_schema('${file('schema.parquet', bytes)}')`,
        )
      ).getRows();
    expect(await schema(mine)).toEqual(await schema(theirs));
    const groups = (bytes: Uint8Array) => parquetMetadata(bytes.buffer.slice(0) as ArrayBuffer).row_groups.map((g) => g.num_rows);
    expect(groups(mine)).toEqual([1000n, 1000n, 1000n, 1000n, 1000n, 3n]);
    expect(groups(mine)).toEqual(groups(theirs));
    const encodings = (bytes: Uint8Array) =>
      parquetMetadata(bytes.buffer.slice(0) as ArrayBuffer).row_groups[0].columns.map((c) => [
        c.meta_data!.path_in_schema[0],
        c.meta_data!.encodings,
      ]);
    expect(encodings(mine)).toEqual(encodings(theirs));
  });

  it('row-group statistics: each group’s true min and max of ts and symbol (and every other column), as DuckDB reads them', async () => {
    const path = file('stats.parquet', mine);
    const stats = (
      await con.runAndReadAll(
        `SELECT row_group_id, path_in_schema, stats_min_value, stats_max_value, stats_null_count FROM parquet_metadata('${path}') ORDER BY row_group_id, column_id`,
      )
    ).getRows();
    const truth = (
      await con.runAndReadAll(
        `SELECT file_row_number // 1000 AS g, min(ts)::VARCHAR, max(ts)::VARCHAR, min(symbol), max(symbol), count(*) - count(symbol)
         FROM read_parquet('${path}', file_row_number = true) GROUP BY g ORDER BY g`,
      )
    ).getRows();
    for (const [g, minTs, maxTs, minSymbol, maxSymbol, nullSymbols] of truth) {
      const of = (column: string) => stats.find((s) => Number(s[0]) === Number(g) && s[1] === column)!;
      expect(of('ts').slice(2)).toEqual([minTs, maxTs, 0n]);
      expect(of('symbol').slice(2)).toEqual([minSymbol, maxSymbol, nullSymbols]);
    }
    // The same statistics today's writer gives, column for column.
    const todays = (
      await con.runAndReadAll(
        `SELECT row_group_id, path_in_schema, stats_min_value, stats_max_value, stats_null_count FROM parquet_metadata('${file('stats-today.parquet', theirs)}') ORDER BY row_group_id, column_id`,
      )
    ).getRows();
    expect(stats).toEqual(todays);
  });

  it('our columnar reader reads it back: doubles, nulls, ids of the same strings', async () => {
    const strings = new StringInterner();
    let at = 0;
    for await (const group of readParquetColumns(file('columns.parquet', mine), { strings })) {
      for (const c of FEATURES.slice(1)) {
        const column = group.columns.get(c)!;
        if (column.kind !== 'number') throw new Error(c);
        for (let i = 0; i < group.rows; i++) {
          const v = data.numbers.get(c)![at + i];
          expect(Object.is(column.values[i], v) && (column.nulls?.[i] ?? 0) === (Number.isNaN(v) ? 1 : 0), `${c} row ${at + i}`).toBe(true);
        }
      }
      const symbol = group.columns.get('symbol')!;
      if (symbol.kind !== 'string') throw new Error('symbol');
      expect(Array.from(symbol.ids, (id) => (id < 0 ? null : strings.name(id)))).toEqual(
        data.text.get('symbol')!.slice(at, at + group.rows),
      );
      at += group.rows;
    }
    expect(at).toBe(5003);
  });

  it('int64 at the edges: past ±2^51 (the BigInt packer), negative, with wide deltas; exactly as DuckDB reads them', async () => {
    const edges = [0, -1, 2 ** 51, -(2 ** 51), 2 ** 53 - 1, -(2 ** 53), 2 ** 62, -(2 ** 63), 1, 2 ** 40];
    const wide = Float64Array.from({ length: 300 }, (_, i) => (i % 2 ? 1 : -1) * (2 ** 50 - i));
    for (const [name, values] of [
      ['edges', Float64Array.from(edges)],
      ['wide', wide],
    ] as const) {
      const path = file(`${name}.parquet`, new ParquetEncoder().encode([{ name: 'v', type: 'int64', values }], values.length));
      const read = (
        await con.runAndReadAll(`SELECT v FROM read_parquet('${path}', file_row_number = true) ORDER BY file_row_number`)
      ).getRows();
      expect(read.map((r) => r[0])).toEqual(Array.from(values, (v) => BigInt(v)));
    }
  });

  it('a dictionary of 300 names (indices wider than a byte), every row null, and no rows at all', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `S${i}`);
    const ids = Int32Array.from({ length: 1000 }, (_, i) => (i * 7) % 300);
    const nulls = new Int32Array(10).fill(-1);
    const allNull = new Float64Array(10).fill(NaN);
    const many = file('many.parquet', new ParquetEncoder().encode([{ name: 's', type: 'string', ids, names }], 1000));
    const read = (
      await con.runAndReadAll(`SELECT s FROM read_parquet('${many}', file_row_number = true) ORDER BY file_row_number`)
    ).getRows();
    expect(read.map((r) => r[0])).toEqual(Array.from(ids, (id) => names[id]));
    const empty = new ParquetEncoder();
    const none = file(
      'nulls.parquet',
      empty.encode(
        [
          { name: 's', type: 'string', ids: nulls, names },
          { name: 'x', type: 'double', values: allNull },
        ],
        10,
      ),
    );
    expect((await con.runAndReadAll(`SELECT count(*), count(s), count(x) FROM '${none}'`)).getRows()).toEqual([[10n, 0n, 0n]]);
    const zero = file('zero.parquet', empty.encode([{ name: 'x', type: 'double', values: new Float64Array(0) }], 0));
    expect((await con.runAndReadAll(`SELECT count(*) FROM '${zero}'`)).getRows()).toEqual([[0n]]);
  });

  it('refuses an int64 column holding a fraction or NaN, naming it (ColumnBuffer fails on those too)', () => {
    const encoder = new ParquetEncoder();
    expect(() => encoder.encode([{ name: 'ts', type: 'int64', values: Float64Array.of(1, NaN) }], 2)).toThrow(
      'column "ts" is int64 but row 1 holds NaN',
    );
    expect(() => encoder.encode([{ name: 'ts', type: 'int64', values: Float64Array.of(1.5) }], 1)).toThrow('row 0 holds 1.5');
  });

  it.each(['UNCOMPRESSED', 'ZSTD'] as const)('%s pages read the same', async (codec) => {
    const other = ours(data, 2000, new ParquetEncoder({ rowGroupSize: 2000, codec }));
    expect(await duckdbRows(file(`${codec}.parquet`, other))).toEqual(await duckdbRows(file('today2.parquet', theirs)));
    expect(await hyparquetRows(other)).toEqual(await hyparquetRows(mine));
  });
});
