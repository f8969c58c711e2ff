import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  Dictionary,
  Float64,
  Int32,
  Int64,
  makeData,
  makeVector,
  Table,
  tableToIPC,
  Utf8,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { ParquetEncoder, type Codec, type ColumnData } from '../io/parquet/ParquetEncoder.ts';
import { defaultMarketOptions, featureColumns } from '../processors/marketTopology.ts';

/**
 * The candidate Parquet writers side by side on the same feature rows: the full job's columns
 * (featureColumns of the default topology, `interval` left to the directory as in both layouts, so 20
 * columns with symbol), 500 symbols, rows sorted by (symbol, ts), warm-up nulls as the indicators leave
 * them, row groups of 100,000, snappy. CPU seconds of the encode alone (the rows are built before the
 * clock starts, in the form each writer takes), median of RUNS, each run a fresh process; bytes written;
 * and DuckDB reads every writer's output to check they hold the same data.
 *
 * - ours: io/parquet/ParquetEncoder from Float64Arrays and interned symbol ids, with snappy (hyparquet-writer's
 *   JavaScript compressor, today's codec), zstd level 1 (node:zlib) and uncompressed;
 * - hyparquet-writer as ColumnBuffer used it before ParquetEncoder (a BigInt per ts, an array of doubles
 *   with nulls per column, an array of strings);
 * - parquet-wasm (Rust parquet crate): an Arrow table made from the same typed arrays (no copy per value),
 *   Arrow IPC, then writeParquet with snappy and 100,000-row groups, its other settings default.
 *
 * Usage: node bench/parquet-writers.ts [rows=1000000] [runs=3] [--files=N] (N files of rows/N each: the
 * per-file overhead today's one-directory-per-symbol layout pays)
 */
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flag = (name: string) =>
  process.argv
    .slice(2)
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3);
const ROWS = Number(args[0] ?? 1_000_000);
const RUNS = Number(args[1] ?? 3);
const FILES = Number(flag('files') ?? 1);
const SYMBOLS = 500;
const OUT = new URL('./data/parquet-writers/', import.meta.url).pathname;

const COLUMNS = featureColumns(defaultMarketOptions()).filter((c) => c !== 'interval');
const TEXT = new Set(['symbol']);
const typeOf = (c: string) => (TEXT.has(c) ? 'string' : c === 'ts' ? 'int64' : 'double');

/** The rows, column by column: ts and doubles in Float64Arrays (NaN = null), symbols as ids into `names`. */
interface Rows {
  count: number;
  names: string[];
  symbol: Int32Array;
  numbers: Map<string, Float64Array>;
}

function featureRows(count: number): Rows {
  let state = 42;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const names = Array.from({ length: SYMBOLS }, (_, i) => `S${String(i).padStart(4, '0')}USDT`);
  const symbol = new Int32Array(count);
  const numbers = new Map(COLUMNS.filter((c) => typeOf(c) !== 'string').map((c) => [c, new Float64Array(count)]));
  const perSymbol = Math.ceil(count / SYMBOLS);
  const warmUp = (c: string) => Number(/_(\d+)$/.exec(c)?.[1] ?? (c.startsWith('macd') ? 33 : c.startsWith('bb_') ? 19 : 0));
  let close = 100;
  for (let i = 0; i < count; i++) {
    const s = Math.floor(i / perSymbol);
    const k = i - s * perSymbol;
    if (k === 0) close = 100 + s;
    symbol[i] = s;
    close *= 1 + (random() - 0.5) * 0.002;
    for (const [c, values] of numbers) {
      if (c === 'ts') values[i] = 1_677_628_800_000 + k * 60_000;
      else if (k < warmUp(c)) values[i] = NaN;
      else if (c === 'volume') values[i] = random() * 5;
      else if (c.startsWith('rsi')) values[i] = random() * 100;
      else values[i] = close * (1 + (random() - 0.5) * 0.01);
    }
  }
  return { count, names, symbol, numbers };
}

/** Rows [from, to) as each writer takes them: built before the clock starts. */
interface Writer {
  name: string;
  prepare(rows: Rows, from: number, to: number): () => Uint8Array;
}

function ours(codec: Codec): Writer {
  return {
    name: `ours (ParquetEncoder, ${codec.toLowerCase()})`,
    prepare(rows, from, to) {
      const columns = COLUMNS.map((name): ColumnData => {
        if (name === 'symbol') return { name, type: 'string', ids: rows.symbol.subarray(from, to), names: rows.names };
        return { name, type: typeOf(name) as 'int64' | 'double', values: rows.numbers.get(name)!.subarray(from, to) };
      });
      const encoder = new ParquetEncoder({ rowGroupSize: 100_000, codec });
      return () => encoder.encode(columns, to - from);
    },
  };
}

const hyparquetWriter: Writer = {
  name: 'hyparquet-writer (as ColumnBuffer used it before ParquetEncoder)',
  prepare(rows, from, to) {
    const count = to - from;
    const numbers = COLUMNS.filter((c) => c !== 'symbol').map((name) => ({ name, values: rows.numbers.get(name)!.subarray(from, to) }));
    const symbols = Array.from(rows.symbol.subarray(from, to), (id) => rows.names[id]);
    // Timed as ColumnBuffer.encode did it: a BigInt per ts, an array of doubles with nulls per column; numbers first, then strings.
    return () => {
      const columnData: ColumnSource[] = numbers.map(({ name, values }): ColumnSource => {
        if (typeOf(name) !== 'int64')
          return { name, data: Array.from(values, (v) => (Number.isNaN(v) ? null : v)), type: 'DOUBLE', encoding: 'PLAIN' };
        const data = new BigInt64Array(count);
        for (let r = 0; r < count; r++) data[r] = BigInt(values[r]);
        return { name, data, type: 'INT64', nullable: false, encoding: 'DELTA_BINARY_PACKED' };
      });
      columnData.push({ name: 'symbol', data: symbols, type: 'STRING' });
      return new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: 100_000 }));
    };
  },
};

const parquetWasm: Writer = {
  name: 'parquet-wasm (Arrow IPC → Rust parquet)',
  prepare(rows, from, to) {
    const count = to - from;
    const dictionary = vectorFromArray(rows.names, new Utf8()) as Vector<Utf8>;
    return () => {
      const vectors: Record<string, Vector> = {};
      for (const name of COLUMNS) {
        if (name === 'symbol') {
          const type = new Dictionary(new Utf8(), new Int32());
          vectors[name] = makeVector(makeData({ type, length: count, data: rows.symbol.subarray(from, to), dictionary }));
        } else if (name === 'ts') {
          // Int64 from the halves of each exact double: no BigInt per value.
          const values = rows.numbers.get(name)!.subarray(from, to);
          const halves = new Int32Array(2 * count);
          for (let i = 0; i < count; i++) {
            const v = values[i];
            const hi = Math.floor(v / 2 ** 32);
            halves[2 * i] = v - hi * 2 ** 32;
            halves[2 * i + 1] = hi;
          }
          vectors[name] = makeVector(makeData({ type: new Int64(), length: count, data: new BigInt64Array(halves.buffer) }));
        } else {
          const values = rows.numbers.get(name)!.subarray(from, to);
          const nullBitmap = new Uint8Array((count + 7) >> 3);
          let nulls = 0;
          for (let i = 0; i < count; i++) {
            if (values[i] === values[i]) nullBitmap[i >> 3] |= 1 << (i & 7);
            else nulls++;
          }
          vectors[name] = makeVector(makeData({ type: new Float64(), length: count, data: values, nullBitmap, nullCount: nulls }));
        }
      }
      const ipc = tableToIPC(new Table(vectors), 'stream');
      const properties = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).setMaxRowGroupSize(100_000).build();
      return writeParquet(WasmTable.fromIPCStream(ipc), properties);
    };
  },
};

const WRITERS = [ours('SNAPPY'), ours('ZSTD'), ours('UNCOMPRESSED'), hyparquetWriter, parquetWasm];

interface Measure {
  cpuSeconds: number;
  wallSeconds: number;
  bytes: number;
  files: number;
  peakRssMb: number;
}

/** In a child process: one writer encodes every file; the encodes alone are timed; the files are kept for the check. */
function measure(writer: Writer): Measure {
  const rows = featureRows(ROWS);
  const bounds = Array.from({ length: FILES }, (_, f) => [Math.floor((f * ROWS) / FILES), Math.floor(((f + 1) * ROWS) / FILES)]);
  const encodes = bounds.map(([from, to]) => writer.prepare(rows, from, to));
  const dir = join(OUT, String(WRITERS.indexOf(writer)));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const outputs: Uint8Array[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const encode of encodes) outputs.push(encode());
  const used = process.cpuUsage(cpu);
  const wallSeconds = (performance.now() - started) / 1000;
  outputs.forEach((bytes, f) => writeFileSync(join(dir, `part-${f}.parquet`), bytes));
  return {
    cpuSeconds: (used.user + used.system) / 1e6,
    wallSeconds,
    bytes: outputs.reduce((n, b) => n + b.length, 0),
    files: outputs.length,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

const child = flag('child');
if (child !== undefined) {
  console.log(JSON.stringify(measure(WRITERS[Number(child)])));
  process.exit(0);
}

function inChild(writer: Writer): Measure | { error: string } {
  const r = spawnSync(
    process.execPath,
    [new URL(import.meta.url).pathname, String(ROWS), '1', `--files=${FILES}`, `--child=${WRITERS.indexOf(writer)}`],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Measure;
  } catch {
    return { error: `exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').pop()?.slice(0, 120)}` };
  }
}

/** What DuckDB reads from a writer's files: a few aggregates that differ if any value, null or type does. */
async function contents(dir: string): Promise<string> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const doubles = COLUMNS.filter((c) => typeOf(c) === 'double');
  const sql = `SELECT count(*), min(ts), max(ts), sum(ts), count(DISTINCT symbol), min(symbol), max(symbol),
    ${doubles.map((c) => `count(${c}), sum(${c})`).join(', ')},
    string_agg(DISTINCT typeof(ts) || typeof(close) || typeof(symbol), ',')
    FROM read_parquet('${dir}/*.parquet')`;
  const row = (await con.runAndReadAll(sql)).getRows()[0];
  con.closeSync();
  return JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : typeof v === 'number' ? Number(v.toPrecision(12)) : v));
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const results = new Map<Writer, Measure[]>();
const failures = new Map<Writer, string>();
for (let run = 0; run < RUNS; run++) {
  // Interleaved: noise on the machine falls on every writer alike.
  for (const writer of WRITERS) {
    if (failures.has(writer)) continue;
    const m = inChild(writer);
    if ('error' in m) failures.set(writer, m.error);
    else results.set(writer, [...(results.get(writer) ?? []), m]);
  }
}
const reference = await contents(join(OUT, '0'));
console.log(
  `\n## Parquet writers: ${ROWS.toLocaleString('en-US')} feature rows × ${COLUMNS.length} columns in ${FILES} file(s), ` +
    `CPU seconds of the encode (median of ${RUNS}, each a fresh process; ${machine}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})\n`,
);
console.log('| writer | CPU s | rows per CPU-s | runs (CPU s) | wall s | MB | peak RSS MB | same data as the first (DuckDB) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const writer of WRITERS) {
  const failure = failures.get(writer);
  if (failure) {
    console.log(`| ${writer.name} | — | — | ${failure} | — | — | — | — |`);
    continue;
  }
  const ms = results.get(writer)!;
  const median = (f: (m: Measure) => number) => ms.map(f).sort((a, b) => a - b)[Math.floor(ms.length / 2)];
  const cpu = median((m) => m.cpuSeconds);
  const same =
    writer === WRITERS[0] ? 'reference' : (await contents(join(OUT, String(WRITERS.indexOf(writer))))) === reference ? 'yes' : 'NO';
  console.log(
    `| ${writer.name} | ${cpu.toFixed(2)} | ${Math.round(ROWS / cpu).toLocaleString('en-US')} | ${ms.map((m) => m.cpuSeconds.toFixed(2)).join(', ')} | ` +
      `${median((m) => m.wallSeconds).toFixed(2)} | ${(ms[0].bytes / 1e6).toFixed(1)} | ${Math.max(...ms.map((m) => m.peakRssMb))} | ${same} |`,
  );
}
