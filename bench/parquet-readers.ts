import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, sep } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, snappyUncompress } from 'hyparquet';
import type { Compressors, ParquetParsers } from 'hyparquet';
import { compressors as hyparquetCompressors } from 'hyparquet-compressors';
import { readParquet } from 'parquet-wasm';
import { tableFromIPC, util as arrowUtil, DataType, type Decimal, type Field } from 'apache-arrow';
import { readParquetColumns, type ColumnValues } from '../io/parquet/ParquetColumnReader.ts';
import { EPOCH_MS_PARSERS, PARQUET_DECOMPRESSORS, readParquetRows } from '../io/parquet/ParquetRowReader.ts';
import { StringInterner } from '../io/parquet/StringInterner.ts';
import { parseTimestamp } from '../market/parseTimestamp.ts';

/**
 * The candidate Parquet readers side by side: which of the fixtures that Spark, pyarrow and DuckDB
 * wrote (test/fixtures/parquet, scripts/parquet-fixtures.sh) each reads correctly, and how fast each
 * reads a ≥ 1M-row candle file into plain row values, in one run, median of 3.
 *
 * Usage: node --expose-gc bench/parquet-readers.ts [rows=1000000] [runs=3]
 *          [--coverage-only | --speed-only | --decompressors-only] [--only=NAMES]
 *
 * Readers: candlestream's own (io/parquet/ParquetRowReader.ts: hyparquet, node:zlib decompressors,
 * epoch-ms time parsers), its columnar one (io/parquet/ParquetColumnReader.ts: typed arrays, no row objects;
 * the speed test reads its checksum from the columns), hyparquet alone, hyparquet with hyparquet-compressors or with node:zlib
 * decompressors (each with hyparquet's Date parsers and with epoch-ms ones), parquetjs-lite,
 * @dsnp/parquetjs, parquet-wasm (Arrow IPC decoded by apache-arrow), and DuckDB's node API as the
 * reference point. `--only=a,b` keeps the readers whose names contain a or b. Every reader hands over one object per row; the harness
 * normalises what it gets (Date, bigint, numeric strings, Arrow decimals by their scale) the way an
 * application would, then compares with expected.json (pyarrow's reading).
 */
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')));
const ROWS = Number(args[0] ?? 1_000_000);
const RUNS = Number(args[1] ?? 3);
const FIXTURES = new URL('../test/fixtures/parquet/', import.meta.url).pathname;
const DATA = new URL('./data/parquet-readers/', import.meta.url).pathname;
const CANDLES = new URL('../data/candles/', import.meta.url).pathname;
const require = createRequire(import.meta.url);

type Row = Record<string, unknown>;
interface Reader {
  name: string;
  /** Calls onRow with each row of the file, in file order, as an object keyed by column name. */
  read(path: string, onRow: (row: Row) => void): Promise<void>;
  /** A columnar reader's own pass for the speed test: the checksum's parts from its columns, no row objects. */
  scan?(path: string): Promise<{ rows: number; sumClose: number; lastTime: unknown }>;
}

// ---------------------------------------------------------------- readers

function hyparquetReader(name: string, options: { compressors?: Compressors; parsers?: Partial<ParquetParsers> }): Reader {
  return {
    name,
    async read(path, onRow) {
      const file = await asyncBufferFromFile(path);
      const metadata = await parquetMetadataAsync(file);
      let rowStart = 0;
      // One row group at a time, as backfill streams a file.
      for (const group of metadata.row_groups) {
        const rowEnd = rowStart + Number(group.num_rows);
        await parquetRead({
          file,
          metadata,
          rowStart,
          rowEnd,
          rowFormat: 'object',
          ...options,
          onComplete: (rows) => rows.forEach((r) => onRow(r)),
        });
        rowStart = rowEnd;
      }
    },
  };
}

/** parquetjs-lite and @dsnp/parquetjs share parquetjs' API: openFile, getCursor, next until null. */
interface ParquetjsModule {
  ParquetReader: { openFile(path: string): Promise<{ getCursor(): { next(): Promise<Row | null> }; close(): Promise<void> }> };
}
function parquetjsReader(name: string, module: string): Reader {
  return {
    name,
    async read(path, onRow) {
      const { ParquetReader } = require(module) as ParquetjsModule;
      const reader = await ParquetReader.openFile(path);
      try {
        const cursor = reader.getCursor();
        for (let row = await cursor.next(); row; row = await cursor.next()) onRow(row);
      } finally {
        await reader.close();
      }
    },
  };
}

const parquetWasm: Reader = {
  name: 'parquet-wasm + apache-arrow',
  async read(path, onRow) {
    const wasmTable = readParquet(readFileSync(path));
    const table = tableFromIPC(wasmTable.intoIPCStream());
    const fields: Field[] = table.schema.fields;
    for (const batch of table.batches) {
      const columns = fields.map((f, i) => {
        const values: unknown[] = [...batch.getChildAt(i)!];
        // Arrow gives DECIMAL as a big number of the unscaled value: divided by 10^scale, as a reader of it must.
        if (DataType.isDecimal(f.type)) {
          const scale = 10 ** (f.type as Decimal).scale;
          return values.map((v) => (v == null ? null : Number(arrowUtil.bigNumToBigInt(v as never)) / scale));
        }
        return values;
      });
      for (let r = 0; r < batch.numRows; r++) {
        const row: Row = {};
        for (let c = 0; c < fields.length; c++) row[fields[c].name] = columns[c][r];
        onRow(row);
      }
    }
  },
};

let duckdb: Awaited<ReturnType<typeof DuckDBInstance.create>> | undefined;
const duckdbReader: Reader = {
  name: 'DuckDB node API (reference)',
  async read(path, onRow) {
    duckdb ??= await DuckDBInstance.create(':memory:', { threads: '2' });
    const con = await duckdb.connect();
    try {
      const result = await con.runAndReadAll(`SELECT * FROM read_parquet('${path.replaceAll("'", "''")}', hive_partitioning = false)`);
      for (const row of result.getRowObjectsJS()) onRow(row);
    } finally {
      con.closeSync();
    }
  },
};

const candlestream: Reader = {
  name: 'candlestream readParquetRows (hyparquet + node:zlib)',
  async read(path, onRow) {
    for await (const batch of readParquetRows(path)) for (const { row } of batch) onRow(row);
  },
};

/** A column's value at row i, as a row reader gives it. */
function valueAt(column: ColumnValues, i: number, strings: StringInterner): unknown {
  if (column.kind === 'string') return column.ids[i] < 0 ? null : strings.name(column.ids[i]);
  if (column.kind === 'other') return column.values[i];
  return column.nulls?.[i] ? null : column.values[i];
}

const columnar: Reader = {
  name: 'candlestream readParquetColumns (columnar)',
  async read(path, onRow) {
    const strings = new StringInterner();
    for await (const group of readParquetColumns(path, { strings })) {
      const columns = [...group.columns];
      for (let i = 0; i < group.rows; i++) onRow(Object.fromEntries(columns.map(([name, c]) => [name, valueAt(c, i, strings)])));
    }
  },
  async scan(path) {
    let rows = 0;
    let sumClose = 0;
    let lastTime: unknown;
    for await (const group of readParquetColumns(path)) {
      const close = group.columns.get('close')!;
      if (close.kind === 'number') for (let i = 0; i < group.rows; i++) sumClose += close.nulls?.[i] ? 0 : close.values[i];
      if (group.rows) lastTime = valueAt(group.columns.get('ts')!, group.rows - 1, new StringInterner());
      rows += group.rows;
    }
    return { rows, sumClose, lastTime };
  },
};

const ALL_READERS: Reader[] = [
  candlestream,
  columnar,
  hyparquetReader('hyparquet', {}),
  hyparquetReader('hyparquet + hyparquet-compressors', { compressors: hyparquetCompressors }),
  hyparquetReader('hyparquet + node:zlib', { compressors: PARQUET_DECOMPRESSORS }),
  // The two choices apart: which decompressors, and time as numbers (no Date per value).
  hyparquetReader('hyparquet + hyparquet-compressors + epoch-ms parsers', { compressors: hyparquetCompressors, parsers: EPOCH_MS_PARSERS }),
  hyparquetReader('hyparquet + node:zlib + epoch-ms parsers', { compressors: PARQUET_DECOMPRESSORS, parsers: EPOCH_MS_PARSERS }),
  parquetjsReader('parquetjs-lite', 'parquetjs-lite'),
  parquetjsReader('@dsnp/parquetjs', '@dsnp/parquetjs'),
  parquetWasm,
  duckdbReader,
];
const only = [...flags]
  .find((f) => f.startsWith('--only='))
  ?.slice('--only='.length)
  .toLowerCase()
  .split(',');
const READERS = only ? ALL_READERS.filter((r) => only.some((o) => r.name.toLowerCase().includes(o))) : ALL_READERS;

// ---------------------------------------------------------------- coverage

interface Expected {
  fixture: string;
  path: string;
  timeColumn: string;
  columns: string[];
  parquet: { codecs: string[]; types: Record<string, string> };
  rows: (number | string | null)[][];
}

/** What an application makes of a reader's value: epoch ms for time, numbers for prices. */
function normalise(value: unknown, column: string, timeColumn: string): unknown {
  if (value === undefined || value === null) return null;
  if (column === timeColumn) return value instanceof Date ? value.getTime() : (parseTimestamp(value) ?? `unreadable time ${String(value)}`);
  if (column === 'symbol') return String(value);
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (value instanceof Uint8Array) return `${value.length} raw bytes`;
  return `${typeof value} ${String(value).slice(0, 30)}`;
}

/** The data files of a fixture in the order backfill walks them, with their Hive partition values. */
function fixtureFiles(path: string): { file: string; partition: Row }[] {
  if (!existsSync(path)) return [];
  if (!path.endsWith('.parquet')) {
    return readdirSync(path, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.parquet') && !f.split(sep).some((p) => p.startsWith('.') || p.startsWith('_')))
      .sort()
      .map((f) => ({
        file: join(path, f),
        partition: Object.fromEntries(
          f
            .split(sep)
            .slice(0, -1)
            .filter((p) => p.includes('='))
            .map((p) => p.split('=')),
        ),
      }));
  }
  return [{ file: path, partition: {} }];
}

async function coverage(reader: Reader, e: Expected): Promise<string> {
  const got: unknown[][] = [];
  try {
    for (const { file, partition } of fixtureFiles(join(FIXTURES, e.path))) {
      await reader.read(file, (row) => {
        const lower: Row = { ...partition };
        for (const [k, v] of Object.entries(row)) lower[k.toLowerCase()] = v;
        got.push(e.columns.map((c) => normalise(lower[c], c, e.timeColumn)));
      });
    }
  } catch (err) {
    return `error: ${String((err as Error)?.message ?? err)
      .split('\n')[0]
      .slice(0, 90)}`;
  }
  if (got.length !== e.rows.length) return `wrong: ${got.length} rows of ${e.rows.length}`;
  let wrongRows = 0;
  let first = '';
  for (let i = 0; i < got.length; i++) {
    const j = e.columns.findIndex((_, k) => !Object.is(got[i][k], e.rows[i][k]));
    if (j < 0) continue;
    wrongRows++;
    first ||= `${e.columns[j]} ${JSON.stringify(got[i][j])} ≠ ${JSON.stringify(e.rows[i][j])}`;
  }
  return wrongRows ? `wrong: ${wrongRows}/${got.length} rows; ${first}` : 'ok';
}

async function coverageMatrix(): Promise<void> {
  const expected: Expected[] = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.expected.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Expected);
  if (!expected.length) throw new Error(`no fixtures in ${FIXTURES}: run scripts/parquet-fixtures.sh`);
  const results = new Map<string, Map<string, string>>();
  for (const reader of READERS) {
    const byFixture = new Map<string, string>();
    for (const e of expected) byFixture.set(e.fixture, await coverage(reader, e));
    results.set(reader.name, byFixture);
  }

  console.log(`\n## Coverage: ${expected.length} fixtures (✓ every row exact; ✗ error or wrong values)\n`);
  const short = READERS.map((r, i) => `R${i + 1}`);
  console.log(READERS.map((r, i) => `${short[i]} = ${r.name}`).join('\n') + '\n');
  console.log(`| fixture | time type | price type | codec | ${short.join(' | ')} |`);
  console.log(`|---|---|---|---|${short.map(() => '---').join('|')}|`);
  for (const e of expected) {
    const cells = READERS.map((r) => (results.get(r.name)!.get(e.fixture) === 'ok' ? '✓' : '✗'));
    console.log(
      `| ${e.fixture} | ${e.parquet.types[e.timeColumn]} | ${e.parquet.types.close} | ${e.parquet.codecs.join(',')} | ${cells.join(' | ')} |`,
    );
  }
  console.log(
    `| **read correctly** | | | | ${READERS.map((r) => `**${[...results.get(r.name)!.values()].filter((v) => v === 'ok').length}/${expected.length}**`).join(' | ')} |`,
  );
  console.log('\nWhy each ✗:');
  for (const r of READERS) {
    const reasons = new Map<string, string[]>();
    for (const [fixture, v] of results.get(r.name)!) if (v !== 'ok') reasons.set(v, [...(reasons.get(v) ?? []), fixture]);
    for (const [reason, fixtures] of reasons) console.log(`- ${r.name}: ${reason} — ${fixtures.join(', ')}`);
  }
}

// ---------------------------------------------------------------- speed

/** ≥ ROWS real candles: both 1m CSVs (60,480 rows) repeated, each copy 21 days later, ts TIMESTAMP. */
const CODEC_FILES = [
  { label: 'snappy (DuckDB default)', codec: 'SNAPPY', rows: true },
  { label: 'zstd', codec: 'ZSTD', rows: true },
  { label: 'gzip', codec: 'GZIP', rows: false },
  { label: 'brotli', codec: 'BROTLI', rows: false },
  { label: 'lz4 (LZ4_RAW)', codec: 'LZ4', rows: false },
] as const;

/** ≥ ROWS real candles: both 1m CSVs (60,480 rows) repeated, each copy 21 days later, ts TIMESTAMP. */
async function benchFiles(): Promise<{ label: string; codec: string; rows: boolean; path: string }[]> {
  mkdirSync(DATA, { recursive: true });
  const copies = Math.ceil(ROWS / 60_480);
  const files = CODEC_FILES.map((f) => ({ ...f, path: join(DATA, `candles-${copies}x60480-${f.codec.toLowerCase()}.parquet`) }));
  const missing = files.filter((f) => !existsSync(f.path));
  if (missing.length) {
    const db = await DuckDBInstance.create(':memory:', { threads: '2' });
    const con = await db.connect();
    await con.run(`CREATE TABLE candles AS
      SELECT regexp_extract(filename, 'binance_([A-Z]+)_', 1) AS symbol,
             CAST(open_time AS TIMESTAMP) + INTERVAL (21 * copy) DAY AS ts, open, high, low, close, volume
      FROM read_csv('${CANDLES}binance_*_1m_*.csv', header = true, filename = true), range(${copies}) AS t(copy)
      ORDER BY copy, symbol, ts`);
    for (const f of missing) {
      await con.run(`COPY candles TO '${f.path}.tmp' (FORMAT parquet, COMPRESSION ${f.codec})`);
      renameSync(`${f.path}.tmp`, f.path);
    }
    con.closeSync();
  }
  return files;
}

// ---------------------------------------------------------------- decompressors alone

/**
 * The pages of each codec file, captured once as hyparquet hands them to a decompressor, then
 * decompressed again by each implementation: MB/s of output, median of RUNS, in one process.
 */
async function decompressors(): Promise<void> {
  const files = await benchFiles();
  const snappyBuiltIn = (input: Uint8Array, length: number) => {
    const out = new Uint8Array(length);
    snappyUncompress(input, out);
    return out;
  };
  const candidates: Record<string, [string, (input: Uint8Array, length: number) => Uint8Array][]> = {
    SNAPPY: [
      ['hyparquet built-in (JS)', snappyBuiltIn],
      ['hyparquet-compressors (hysnappy, WASM)', hyparquetCompressors.SNAPPY!],
    ],
    ZSTD: [
      ['node:zlib', PARQUET_DECOMPRESSORS.ZSTD!],
      ['hyparquet-compressors (fzstd, JS)', hyparquetCompressors.ZSTD!],
    ],
    GZIP: [
      ['node:zlib', PARQUET_DECOMPRESSORS.GZIP!],
      ['hyparquet-compressors (JS)', hyparquetCompressors.GZIP!],
    ],
    BROTLI: [
      ['node:zlib', PARQUET_DECOMPRESSORS.BROTLI!],
      ['hyparquet-compressors (JS)', hyparquetCompressors.BROTLI!],
    ],
    LZ4_RAW: [
      ['candlestream lz4Raw (JS)', PARQUET_DECOMPRESSORS.LZ4_RAW!],
      ['hyparquet-compressors (JS)', hyparquetCompressors.LZ4_RAW!],
    ],
  };
  console.log(`\n## Decompressors alone: MB/s of decompressed pages (median of ${RUNS}; ${machine()})\n`);
  console.log('| codec | pages | MB out | implementation | MB/s | runs (ms) |');
  console.log('|---|---|---|---|---|---|');
  for (const f of files) {
    const pages: [Uint8Array, number][] = [];
    let codec = '';
    const capture = (name: string) => (input: Uint8Array, length: number) => {
      codec = name;
      pages.push([input.slice(), length]);
      return (name === 'SNAPPY' ? snappyBuiltIn : PARQUET_DECOMPRESSORS[name as keyof Compressors]!)(input, length);
    };
    const file = await asyncBufferFromFile(f.path);
    const compressors = Object.fromEntries(['SNAPPY', 'ZSTD', 'GZIP', 'BROTLI', 'LZ4_RAW'].map((c) => [c, capture(c)]));
    await parquetRead({ file, compressors, onChunk: () => {} });
    const bytes = pages.reduce((n, [, length]) => n + length, 0);
    for (const [name, decompress] of candidates[codec] ?? []) {
      const ms: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const started = performance.now();
        for (const [input, length] of pages) {
          const out = decompress(input, length);
          if (out.length !== length) throw new Error(`${name}: ${out.length} bytes, expected ${length}`);
        }
        ms.push(performance.now() - started);
      }
      const median = [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];
      console.log(
        `| ${codec} | ${pages.length} | ${(bytes / 1e6).toFixed(1)} | ${name} | ${Math.round(bytes / 1e6 / (median / 1000))} | ${ms.map((m) => m.toFixed(0)).join(', ')} |`,
      );
    }
  }
}

function machine(): string {
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${load}`;
}

interface Measure {
  seconds: number;
  rows: number;
  checksum: string;
  peakRssMb: number;
}

/** In a child process: one reader reads one file, timed from open to the last row; prints a Measure. */
async function timeRead(reader: Reader, path: string): Promise<Measure | { error: string }> {
  let rows = 0;
  let sumClose = 0;
  let lastTime: unknown;
  const started = performance.now();
  try {
    if (reader.scan) ({ rows, sumClose, lastTime } = await reader.scan(path));
    else
      await reader.read(path, (row) => {
        rows++;
        sumClose += Number(row.close);
        lastTime = row.ts;
      });
  } catch (err) {
    return {
      error: String((err as Error)?.message ?? err)
        .split('\n')[0]
        .slice(0, 80),
    };
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    rows,
    checksum: `${rows}:${sumClose.toFixed(2)}:${normalise(lastTime, 'ts', 'ts')}`,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/**
 * Each measurement in a fresh process (one reader, one file): in one process, what an earlier reader
 * left (heap size, inline caches made megamorphic by other row shapes) moved later readers' times by
 * ±40%. A cold start is also what backfill pays per file.
 */
function measureInChild(reader: Reader, path: string): Measure | { error: string } {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', new URL(import.meta.url).pathname, `--child=${ALL_READERS.indexOf(reader)}`, `--file=${path}`],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Measure | { error: string };
  } catch {
    return { error: `exit ${r.status}: ${(r.stderr || line).trim().split('\n').pop()?.slice(0, 80)}` };
  }
}

async function speed(): Promise<void> {
  const files = (await benchFiles()).filter((f) => f.rows);
  console.log(`\n## Speed: rows/s reading every row into an object (median of ${RUNS}, each run a fresh process; ${machine()})\n`);
  for (const f of files) {
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(f.path));
    const rows = Number(meta.num_rows);
    console.log(
      `### ${f.label}: ${rows.toLocaleString('en-US')} rows, ${meta.row_groups.length} row groups, ${(readFileSync(f.path).length / 2 ** 20).toFixed(1)} MiB\n`,
    );
    const times = new Map<string, Measure[]>();
    const failures = new Map<string, string>();
    // Interleaved runs: noise on the machine spreads over every reader alike.
    for (let run = 0; run < RUNS; run++) {
      for (const reader of READERS) {
        if (failures.has(reader.name)) continue;
        const m = measureInChild(reader, f.path);
        if ('error' in m) failures.set(reader.name, `error: ${m.error}`);
        else times.set(reader.name, [...(times.get(reader.name) ?? []), m]);
      }
    }
    const reference = times.get(duckdbReader.name)?.[0]?.checksum;
    console.log('| reader | median s | rows/s | runs (s) | peak RSS MB | same rows as DuckDB |');
    console.log('|---|---|---|---|---|---|');
    for (const reader of READERS) {
      const failure = failures.get(reader.name);
      if (failure) {
        console.log(`| ${reader.name} | — | — | ${failure} | — | — |`);
        continue;
      }
      const ms = times.get(reader.name)!;
      const sorted = ms.map((m) => m.seconds).sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      const same =
        reference === undefined
          ? 'no reference'
          : ms.every((m) => m.checksum === reference)
            ? 'yes'
            : `no (${ms[0].checksum} vs ${reference})`;
      console.log(
        `| ${reader.name} | ${median.toFixed(2)} | ${Math.round(ms[0].rows / median).toLocaleString('en-US')} | ${ms.map((m) => m.seconds.toFixed(2)).join(', ')} | ${Math.max(...ms.map((m) => m.peakRssMb))} | ${same} |`,
      );
    }
    console.log();
  }
}

const child = [...flags].find((f) => f.startsWith('--child='));
if (child) {
  const file = [...flags].find((f) => f.startsWith('--file='))!.slice('--file='.length);
  console.log(JSON.stringify(await timeRead(ALL_READERS[Number(child.slice('--child='.length))], file)));
  duckdb?.closeSync();
  process.exit(0);
}
if (!flags.has('--speed-only') && !flags.has('--decompressors-only')) await coverageMatrix();
if (!flags.has('--coverage-only') && !flags.has('--decompressors-only')) await speed();
if (!flags.has('--coverage-only') && !flags.has('--speed-only')) await decompressors();
duckdb?.closeSync();
