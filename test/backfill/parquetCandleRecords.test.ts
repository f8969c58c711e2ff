import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { candleFileInputs } from '../../backfill/candleFileInput.ts';
import { readParquetColumnRows } from '../../io/parquet/ParquetColumnReader.ts';
import { parquetColumns, parquetMetadata } from '../../io/parquet/ParquetRowReader.ts';
import { normalizeSymbol } from '../../market/normalizeSymbol.ts';
import { columnNames } from '../../market/exchanges/fieldNames.ts';
import { parseTimestamp } from '../../market/parseTimestamp.ts';
import type { StreamRecord } from '../../topology/StreamRecord.ts';
import { fuzzSettings } from '../fuzz/fuzzSettings.ts';
import { messyParquet, messyRow } from './randomCandleParquet.ts';

/**
 * A candle Parquet file's records, made from its columns without a row object each, are the records
 * the rows of readParquetColumnRows made (the reader's rows are checked against hyparquet's own
 * parquetRead in test/io): the same keys, times, values (built when asked), headers and positions,
 * rows outside --from/--to left out. For every Parquet fixture, and for random messy files.
 */

const fixtures = new URL('../fixtures/parquet/', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const SYMBOL_COLUMNS = columnNames('symbol');
const TIME_COLUMNS = columnNames('ts');

/** The records as the rows made them before (candleFileInput's row path, written out). */
async function fromRows(path: string, columns: string[], symbol: string, from: number, to: number): Promise<StreamRecord[]> {
  const headers = { symbol };
  const defaultKey = normalizeSymbol(symbol) ?? symbol;
  const timeColumn = TIME_COLUMNS.find((c) => columns.includes(c))!;
  const symbolColumn = SYMBOL_COLUMNS.find((c) => columns.includes(c));
  const records: StreamRecord[] = [];
  let lastTs = -Infinity;
  for await (const batch of readParquetColumnRows(path, { columns })) {
    for (const { row, rowNumber } of batch) {
      const ts = parseTimestamp(row[timeColumn]);
      if (ts !== null && (ts < from || ts >= to)) continue;
      if (ts !== null) lastTs = ts;
      const rowSymbol = symbolColumn === undefined ? undefined : row[symbolColumn];
      const key =
        rowSymbol === undefined || rowSymbol === null || rowSymbol === '' ? defaultKey : (normalizeSymbol(rowSymbol) ?? String(rowSymbol));
      records.push({ key, value: row, timestamp: ts ?? lastTs, headers, position: { source: path, partition: 0, offset: rowNumber } });
    }
  }
  return records;
}

async function fromColumns(path: string, from: number, to: number): Promise<StreamRecord[]> {
  const records: StreamRecord[] = [];
  for (const input of await candleFileInputs([path], { symbol: 'BTCUSDT', from, to, source: 'prices' }))
    for await (const batch of input.batches()) records.push(...batch);
  return records;
}

/** As plain objects: the getters read. */
const plain = (r: StreamRecord) => ({ key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers, position: r.position });

async function expectSame(path: string, from = -Infinity, to = Infinity) {
  const got = await fromColumns(path, from, to);
  // The columns read (those Clean may use): the first record's fields; all of a random file's.
  const columns = got.length ? Object.keys(got[0].value as object) : parquetColumns(await parquetMetadata(path));
  const expected = await fromRows(path, columns, 'BTCUSDT', from, to);
  expect(got.map(plain)).toEqual(expected);
  return got.length;
}

describe('Parquet candle records from columns', () => {
  it('are the records of the rows, for every fixture file', async () => {
    const files = (await readdir(fixtures)).filter((f) => f.endsWith('.parquet'));
    expect(files.length).toBeGreaterThan(15);
    for (const f of files) expect(await expectSame(join(fixtures, f)), f).toBeGreaterThan(0);
  });

  it('are the records of the rows, for random messy files and time windows', async () => {
    const work = await mkdtemp(join(tmpdir(), 'cs-pqrec-'));
    dirs.push(work);
    let n = 0;
    const T0 = Date.UTC(2023, 2, 1);
    await fc.assert(
      fc.asyncProperty(
        fc.array(messyRow, { maxLength: 120 }),
        fc.integer({ min: 1, max: 50 }),
        fc.option(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }))),
        async (rows, rowGroupSize, window) => {
          const path = join(work, `${n++}.parquet`);
          await writeFile(path, messyParquet(rows, rowGroupSize));
          const [from, to] = window ? [T0 + window[0] * 60_000, T0 + window[1] * 60_000] : [-Infinity, Infinity];
          await expectSame(path, from, to);
        },
      ),
      fuzzSettings({ numRuns: Number(process.env.EQUIVALENCE_RUNS ?? 300) }),
    );
  }, 120_000);
});
