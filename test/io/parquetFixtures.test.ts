import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackfillRunner } from '../../backfill/BackfillRunner.ts';
import { candleFileInputs } from '../../backfill/candleFileInput.ts';
import { parseSinkUri } from '../../io/parseSinkUri.ts';
import { priceEventTime } from '../../market/exchanges/eventTime.ts';
import { normalizeCandle } from '../../market/exchanges/normalizeCandle.ts';
import { normalizeSymbol } from '../../market/normalizeSymbol.ts';
import { parseTimestamp } from '../../market/parseTimestamp.ts';
import { buildMarketTopology, defaultMarketOptions } from '../../processors/marketTopology.ts';
import type { StreamRecord } from '../../topology/StreamRecord.ts';
import { DEAD_LETTER } from '../../topology/Topology.ts';

/**
 * The Parquet files of test/fixtures/parquet were written by PySpark, pyarrow and DuckDB themselves
 * (scripts/parquet-fixtures.sh); each NAME.expected.json holds the rows as pyarrow reads them, with
 * time as epoch ms and DECIMALs as the nearest double. Every fixture goes through backfill's own
 * input path (candleFileInputs, as `candlestream backfill --source` builds it) and Clean's
 * normalisation, and must give exactly those rows.
 */
interface Expected {
  fixture: string;
  /** Relative to the fixtures directory: a file, or the directory Spark wrote. */
  path: string;
  tool: 'spark' | 'pyarrow' | 'duckdb';
  writer: string;
  description: string;
  /** What --symbol is given for a file without a symbol column (null: the rows or the path name it). */
  symbol: string | null;
  timeColumn: string;
  parquet: { files: number; rowGroups: number; codecs: string[]; encodings: string[]; types: Record<string, string> };
  columns: string[];
  rows: (number | string | null)[][];
}

const DIR = new URL('../fixtures/parquet/', import.meta.url).pathname;
const fixtures: Expected[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.expected.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Expected);
const OHLCV = ['open', 'high', 'low', 'close', 'volume'] as const;

async function readAsBackfill(e: Expected): Promise<{ records: StreamRecord<Record<string, unknown>>[]; batches: number }> {
  const inputs = await candleFileInputs([join(DIR, e.path)], {
    symbol: e.symbol ?? undefined,
    from: -Infinity,
    to: Infinity,
    source: 'prices',
  });
  const records: StreamRecord<Record<string, unknown>>[] = [];
  let batches = 0;
  for (const input of inputs) {
    for await (const batch of input.batches()) {
      batches++;
      records.push(...(batch as StreamRecord<Record<string, unknown>>[]));
    }
  }
  return { records, batches };
}

/** The expected row as a record of column → value (time in epoch ms). */
function expectedRow(e: Expected, i: number): Record<string, number | string | null> {
  return Object.fromEntries(e.columns.map((c, j) => [c, e.rows[i][j]]));
}

/** The first row (if any) where `actual(i)` and `wanted(i)` differ, both shown: a failure names the row. */
function firstDifference<T>(n: number, actual: (i: number) => T, wanted: (i: number) => T): { row: number; actual: T; expected: T } | null {
  for (let i = 0; i < n; i++) {
    const a = actual(i),
      w = wanted(i);
    if (JSON.stringify(a) !== JSON.stringify(w) || !sameNumbers(a, w)) return { row: i, actual: a, expected: w };
  }
  return null;
}

/** JSON.stringify does not tell -0 from 0 or a missing key from undefined: numbers compared with Object.is. */
function sameNumbers(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b);
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameNumbers((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

describe('Parquet fixtures as Spark, pyarrow and DuckDB write them', () => {
  it('cover what the issue lists', () => {
    const all = (f: (e: Expected) => string[]) => new Set(fixtures.flatMap(f));
    expect([...all((e) => [e.tool])].sort()).toEqual(['duckdb', 'pyarrow', 'spark']);
    expect([...all((e) => e.parquet.codecs)]).toEqual(expect.arrayContaining(['SNAPPY', 'GZIP', 'ZSTD', 'UNCOMPRESSED']));
    const timeTypes = all((e) => [e.parquet.types[e.timeColumn]]);
    for (const t of [
      'INT96',
      'INT64 TIMESTAMP(MILLIS,UTC)',
      'INT64 TIMESTAMP(MICROS,UTC)',
      'INT64 TIMESTAMP(MICROS)',
      'INT64 TIMESTAMP(NANOS,UTC)',
      'INT64 TIMESTAMP(NANOS)',
      'INT64',
      'INT64 INT(64,signed)',
    ]) {
      expect(timeTypes, t).toContain(t);
    }
    const priceTypes = all((e) => [e.parquet.types.close]);
    for (const t of ['DOUBLE', 'INT64 DECIMAL(18,8)', 'FIXED_LEN_BYTE_ARRAY DECIMAL(18,8)']) expect(priceTypes, t).toContain(t);
    expect(
      fixtures
        .filter((e) => e.parquet.rowGroups > 1 && e.parquet.files === 1)
        .map((e) => e.tool)
        .sort(),
    ).toEqual(['duckdb', 'pyarrow', 'spark']);
    expect(fixtures.filter((e) => e.rows.some((r) => r.includes(null))).length).toBeGreaterThanOrEqual(3);
    expect(
      fixtures.filter((e) => !e.parquet.encodings.includes('PLAIN_DICTIONARY') && !e.parquet.encodings.includes('RLE_DICTIONARY')).length,
    ).toBeGreaterThanOrEqual(2);
    expect(fixtures.some((e) => e.parquet.files > 1 && e.path.startsWith('spark_'))).toBe(true);
    for (const e of fixtures) expect(e.rows.length, e.fixture).toBeGreaterThan(0);
  });

  describe.each(fixtures.map((e) => [e.fixture, e] as const))('%s', (_name, e) => {
    let read: Awaited<ReturnType<typeof readAsBackfill>>;
    beforeAll(async () => {
      read = await readAsBackfill(e);
    });

    it(`reads every row, one batch per row group (${e.writer.split(' (')[0]}: ${e.description})`, () => {
      expect(read.records.length).toBe(e.rows.length);
      expect(read.batches).toBe(e.parquet.rowGroups);
    });

    it('gives each row the columns and values pyarrow reads: time to the millisecond, prices as the exact decimal, nulls as null', () => {
      // Partition columns (a symbol=… directory) are not in the file: the row may carry them, the key must (next test).
      const partitionColumns = e.columns.filter((c) => !(c in e.parquet.types));
      const shown = (value: Record<string, unknown>) => e.columns.filter((c) => !partitionColumns.includes(c) || c in value);
      const diff = firstDifference(
        read.records.length,
        (i) => {
          const { value, timestamp } = read.records[i];
          const row = Object.fromEntries(shown(value).map((c) => [c, c in value ? value[c] : '(no such column)']));
          // The row's own value (epoch ms, whatever the Parquet type), the record's event time, and the
          // time the topology's source reads from the row.
          row[e.timeColumn] = [value[e.timeColumn], timestamp, priceEventTime(value)];
          return row;
        },
        (i) => {
          const wanted = expectedRow(e, i);
          const row: Record<string, unknown> = Object.fromEntries(shown(read.records[i].value).map((c) => [c, wanted[c]]));
          row[e.timeColumn] = [wanted[e.timeColumn], wanted[e.timeColumn], wanted[e.timeColumn]];
          return row;
        },
      );
      expect(diff).toBeNull();
      // Nothing beyond the file's columns (and its partition columns).
      const extra = read.records.flatMap((r) => Object.keys(r.value).filter((k) => !e.columns.includes(k)));
      expect([...new Set(extra)]).toEqual([]);
    });

    it('keys each record by its canonical symbol (from the rows, the path, or --symbol)', () => {
      const symbolAt = e.columns.indexOf('symbol');
      const diff = firstDifference(
        read.records.length,
        (i) => read.records[i].key,
        (i) => normalizeSymbol(symbolAt >= 0 ? e.rows[i][symbolAt] : e.symbol),
      );
      expect(diff).toBeNull();
    });

    it('Clean turns each row into the same candle, and rejects a row with a null price or volume as missing_field', () => {
      const symbolAt = e.columns.indexOf('symbol');
      const diff = firstDifference(
        read.records.length,
        (i) => {
          const { value, headers } = read.records[i];
          const result = normalizeCandle(value, { symbol: headers.symbol, exchange: headers.exchange, interval: headers.interval });
          if ('reason' in result) return result.reason;
          const c = result.candle;
          return { symbol: c.symbol, ts: c.ts, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume };
        },
        (i) => {
          const row = expectedRow(e, i);
          const missing = OHLCV.find((c) => row[c] === null);
          if (missing) return `missing_field:${missing}`;
          const symbol = normalizeSymbol(symbolAt >= 0 ? row.symbol : e.symbol);
          return { symbol, ts: row[e.timeColumn], open: row.open, high: row.high, low: row.low, close: row.close, volume: row.volume };
        },
      );
      expect(diff).toBeNull();
    });
  });
});

describe('a null volume or close in a Parquet file, through the whole backfill', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-pqfx-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(fixtures.filter((e) => e.rows.some((r) => r.includes(null))).map((e) => [e.fixture, e] as const))(
    '%s: each such row goes to the dead letter with its reason and row number, and Clean fills its minute from the previous close with zero volume',
    async (name, e) => {
      const out = join(dir, `${name}.jsonl`);
      const dead = join(dir, `${name}-dead.jsonl`);
      const writers = new Map([
        ['features', parseSinkUri(`jsonl:${out}`)],
        [DEAD_LETTER, parseSinkUri(`jsonl:${dead}`)],
      ]);
      const inputs = await candleFileInputs([join(DIR, e.path)], {
        symbol: e.symbol ?? undefined,
        from: -Infinity,
        to: Infinity,
        source: 'prices',
      });
      await new BackfillRunner({
        topology: buildMarketTopology(defaultMarketOptions()),
        inputs,
        writers,
        partitions: 1,
        stateDir: join(dir, `${name}-state`),
        commitEvery: 50_000,
        fingerprint: name,
      }).run();

      const t = e.columns.indexOf(e.timeColumn);
      const nulls = e.rows.flatMap((r, i) => {
        const missing = OHLCV.find((c) => r[e.columns.indexOf(c)] === null);
        return missing ? [{ offset: i + 1, ts: r[t] as number, reason: `missing_field:${missing}` }] : [];
      });
      expect(nulls.length).toBeGreaterThan(0);
      const letters = (await readFile(dead, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { reason: string; offset: number; original: Record<string, unknown> });
      expect(letters.map((l) => ({ offset: l.offset, ts: parseTimestamp(l.original[e.timeColumn]), reason: l.reason }))).toEqual(nulls);

      const close = e.columns.indexOf('close');
      const features = (await readFile(out, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const oneMinute = new Map(features.filter((f) => f.interval === '1m').map((f) => [Number(f.ts), f]));
      expect(oneMinute.size).toBe(e.rows.length);
      for (const { offset, ts } of nulls) {
        const previousClose = e.rows[offset - 2][close];
        expect(oneMinute.get(ts), `minute ${new Date(ts).toISOString()}`).toMatchObject({
          open: previousClose,
          high: previousClose,
          low: previousClose,
          close: previousClose,
          volume: 0,
        });
      }
    },
  );
});
