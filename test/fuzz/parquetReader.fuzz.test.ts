import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { readParquetColumns } from '../../io/parquet/ParquetColumnReader.ts';
import { readParquetRows, type ParquetLocation, type ParquetSource } from '../../io/parquet/ParquetRowReader.ts';
import { storedParquet } from '../../io/parquet/storedParquet.ts';
import type { Storage } from '../../io/storage/Storage.ts';
import { fuzzSettings } from './fuzzSettings.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/parquet');
const URI = 'mem://fuzz/BTCUSDT.parquet';

/**
 * Small real files, so 100,000 runs take seconds: the first rows of each fixture as DuckDB rewrites them
 * with every codec it writes (two row groups each), and pyarrow's smallest fixtures as they are (page v2,
 * byte-stream-split, LZ4, nulls without a dictionary).
 */
const seeds: Uint8Array[] = [];
beforeAll(async () => {
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  const sources = readdirSync(FIXTURES).filter((f) => f.endsWith('.parquet') && f.startsWith('duckdb_'));
  const codecs = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'ZSTD', 'BROTLI', 'LZ4_RAW'];
  const dir = await mkdtemp(join(tmpdir(), 'cs-fuzz-parquet-'));
  try {
    for (const [i, codec] of codecs.entries()) {
      const out = join(dir, `${codec}.parquet`);
      await con.run(
        `COPY (SELECT * FROM '${join(FIXTURES, sources[i % sources.length])}' LIMIT 6) TO '${out}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 3)`,
      );
      seeds.push(new Uint8Array(readFileSync(out)));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  con.closeSync();
  for (const f of ['pyarrow_page_v2_zstd', 'pyarrow_byte_stream_split_zstd', 'pyarrow_lz4', 'pyarrow_nulls_nodict_zstd'])
    seeds.push(new Uint8Array(readFileSync(join(FIXTURES, `${f}.parquet`))));
});

const PAR1 = [0x50, 0x41, 0x52, 0x31];

/** One corruption of a file: what a bad disk, a partial upload or a hostile writer leaves. */
type Mutation = (bytes: Uint8Array, other: Uint8Array) => Uint8Array;
const position = fc.record({ fromEnd: fc.boolean(), at: fc.nat() });
const where = (bytes: Uint8Array, p: { fromEnd: boolean; at: number }) =>
  // The footer is where lengths and offsets live: half of the positions are in the last 600 bytes.
  bytes.length === 0 ? 0 : p.fromEnd ? Math.max(0, bytes.length - 1 - (p.at % Math.min(600, bytes.length))) : p.at % bytes.length;
const bigNumbers = fc.oneof(
  fc.integer({ min: -1, max: 300 }),
  fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 40, 2 ** 53, 1e9),
  fc.nat(),
);

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(Math.max(0, Math.floor(n))) << 1n; // zigzag, as thrift's compact protocol writes i32/i64
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? byte | 0x80 : byte);
  } while (v);
  return out;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(position, fc.integer({ min: 0, max: 255 })).map(([p, value]): Mutation => (b) => {
    const c = b.slice();
    if (c.length) c[where(c, p)] = value;
    return c;
  }),
  fc.tuple(position, fc.integer({ min: 0, max: 7 })).map(([p, bit]): Mutation => (b) => {
    const c = b.slice();
    if (c.length) c[where(c, p)] ^= 1 << bit;
    return c;
  }),
  position.map(
    (p): Mutation =>
      (b) =>
        b.slice(0, where(b, p)),
  ),
  fc.tuple(position, bigNumbers).map(([p, n]): Mutation => (b) => {
    // A corrupt 32-bit length: e.g. the footer's own, 8 bytes from the end.
    const c = b.slice();
    const at = Math.min(where(c, p), Math.max(0, c.length - 4));
    if (c.length >= 4) new DataView(c.buffer).setUint32(at, n >>> 0, true);
    return c;
  }),
  fc.tuple(position, bigNumbers).map(([p, n]): Mutation => (b) => {
    // A corrupt thrift length, count or offset (a varint) written over whatever was there.
    const c = b.slice();
    const bytes = varint(n);
    const at = where(c, p);
    c.set(bytes.slice(0, c.length - at), at);
    return c;
  }),
  fc.tuple(position, position).map(([p, q]): Mutation => (b, other) => {
    // A footer from another file spliced onto this file's body.
    const cut = where(b, p);
    const tail = other.subarray(where(other, q));
    const c = new Uint8Array(cut + tail.length);
    c.set(b.subarray(0, cut));
    c.set(tail, cut);
    return c;
  }),
  fc.uint8Array({ maxLength: 300 }).map((noise): Mutation => () => {
    // Random bytes with a valid magic and a footer length that fits.
    const c = new Uint8Array(noise.length + 12);
    c.set(PAR1);
    c.set(noise, 4);
    new DataView(c.buffer).setUint32(c.length - 8, noise.length, true);
    c.set(PAR1, c.length - 4);
    return c;
  }),
);

function inMemory(bytes: Uint8Array): ParquetSource {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { uri: URI, buffer: async () => buffer };
}

/** The same bytes as a stored file (as on HDFS): read by ranges through storedParquet, its footer kept. */
function stored(bytes: Uint8Array): ParquetLocation {
  const storage = {
    uri: () => URI,
    read: async (_path: string, offset: number, length: number) => {
      if (!(offset >= 0 && length >= 0 && offset + length <= bytes.length))
        throw new Error(`read of ${length} bytes at ${offset} past the file's ${bytes.length}`);
      return bytes.slice(offset, offset + length);
    },
  } as unknown as Storage;
  return storedParquet(storage, {
    path: '/fuzz/BTCUSDT.parquet',
    name: 'BTCUSDT.parquet',
    directory: false,
    size: bytes.length,
    modifiedMs: 0,
  });
}

/**
 * Reads mutated seed files with `readWhole` (which throws a plain Error when what it read is not whole):
 * each must read whole or be rejected with the reader's own error naming the file, never crash, hang or
 * allocate gigabytes. Some inputs still read whole (a flipped value byte), most are rejected: both paths
 * are exercised.
 */
async function fuzzReader(readWhole: (source: ParquetSource | ParquetLocation) => Promise<void>): Promise<void> {
  const rssBefore = process.resourceUsage().maxRSS;
  let read = 0;
  let rejected = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.nat(),
      fc.nat(),
      fc.array(mutation, { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      async (s, o, mutations, byRanges) => {
        const bytes = mutations.reduce((b, m) => m(b, seeds[o % seeds.length]), seeds[s % seeds.length]);
        try {
          await readWhole(byRanges ? stored(bytes) : inMemory(bytes));
        } catch (e) {
          if (!(e instanceof Error) || !e.message.startsWith(`${URI}: `))
            throw new Error(`not the reader's own error: ${(e as Error)?.stack ?? String(e)}`);
          rejected++;
          return;
        }
        read++;
      },
    ),
    fuzzSettings(),
  );
  expect(read).toBeGreaterThan(0);
  expect(rejected).toBeGreaterThan(0);
  // maxRSS is in KB: a corrupt length or run must not have made the reader allocate gigabytes (before the
  // bounds, one did: 2.3 GB, and 10 s in one input).
  expect((process.resourceUsage().maxRSS - rssBefore) / 1024).toBeLessThan(1024);
}

describe('Parquet reader, fuzzed', () => {
  it(
    'reads every row of a mutated file or rejects the file with a reason naming it: no crash, no hang, no runaway allocation',
    () =>
      fuzzReader(async (source) => {
        let rows = 0;
        for await (const batch of readParquetRows(source)) {
          // Plain checks, not expect(): this runs for every row of 100,000 files.
          for (const { row, rowNumber } of batch)
            if (rowNumber !== ++rows || typeof row !== 'object') throw new Error(`row ${rows} out of order or not a row`);
        }
      }),
    600_000,
  );

  it(
    'the columnar reader likewise: every group whole, or the file rejected with a reason naming it',
    () =>
      fuzzReader(async (source) => {
        let rows = 0;
        for await (const group of readParquetColumns(source)) {
          if (group.rowStart !== rows) throw new Error(`group at row ${group.rowStart}, expected ${rows}`);
          for (const column of group.columns.values()) {
            const length = column.kind === 'string' ? column.ids.length : column.values.length;
            if (length !== group.rows) throw new Error(`a column of ${length} values in a group of ${group.rows} rows`);
          }
          rows += group.rows;
        }
      }),
    600_000,
  );
});
