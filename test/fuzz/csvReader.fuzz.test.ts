import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalCandle, csvLayout } from '../../landing/import/canonicalRow.ts';
import { csvColumns, readCsvRows } from '../../io/csv/CsvRowReader.ts';
import { HEADERLESS_CSV } from '../../market/exchanges/csvLayouts.ts';
import { lineBatches, LineTooLongError } from '../../io/lineBatches.ts';
import { readCsvTable } from '../../io/csv/readCsvTable.ts';
import { fuzzSettings } from './fuzzSettings.ts';
import { mutate, mutation } from './mutations.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/import/${name}`, import.meta.url)));
const FIXTURES = ['XBTUSD_1.csv', 'binance_SOLUSDT_1m_2024-03-10.csv'].map(fixture);
const MAX_LINE = 256;

/** Cells as exports have them, and as they go wrong. */
const cell = fc.oneof(
  fc.constantFrom(
    'open_time',
    'open',
    'high',
    'low',
    'close',
    'volume',
    'symbol',
    'time',
    'ts',
    'BTCUSDT',
    'XBT/USD',
    '',
    ' ',
    '"',
    '""',
    '"a,b"',
    'NaN',
    'Infinity',
    '-1',
    '1e400',
    '\uFEFF',
  ),
  fc.double().map(String),
  fc.integer({ min: 0, max: 4_000_000_000_000_000 }).map(String),
  fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString()),
  fc.string({ maxLength: 8 }),
);
const line = fc.array(cell, { maxLength: 13 }).map((cells) => cells.join(','));
const generated = fc
  .tuple(fc.array(line, { maxLength: 6 }), fc.boolean())
  .map(([lines, crlf]) => new TextEncoder().encode(lines.join(crlf ? '\r\n' : '\n')));
/** Generated CSVs, and the real fixtures with bytes flipped, cut, spliced or truncated. */
const csvBytes = fc.oneof(
  generated,
  fc.tuple(fc.constantFrom(...FIXTURES), mutation).map(([bytes, m]) => mutate(bytes, m)),
  fc.uint8Array({ maxLength: 64 }),
);
// Every chunking of small inputs is tested in lineBatches.test.ts; here a few sizes, to keep 100,000 runs quick.
const chunkSize = fc.constantFrom(7, 64, 1000, 65536);

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** The file's lines, counted here independently of the readers: split on \n bytes, \r dropped, each decoded. */
function linesOf(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 10) {
      if (i < bytes.length || start < i) lines.push(utf8.decode(bytes.subarray(start, i)).replace(/\r$/, ''));
      start = i + 1;
    }
  }
  return lines;
}

/** A reader's own errors name the file: those are allowed, nothing else. */
function expectOwnError(e: unknown): void {
  if (
    !(e instanceof Error) ||
    !e.message.startsWith('f.csv: ') ||
    e.constructor.name === 'TypeError' ||
    e.constructor.name === 'RangeError'
  )
    throw e;
}

/** readCsvRows (backfill's CSV input): one row per non-blank data line whatever the chunking, or its own error; no line past the limit. */
async function checkCsvRows(bytes: Uint8Array, size: number): Promise<void> {
  const lines = linesOf(bytes);
  const tooLong = lines.findIndex((l) => Buffer.byteLength(l) > MAX_LINE);
  const nonBlank = lines.map((l, i) => (i === 0 ? l.replace(/^\uFEFF/, '') : l)).filter((l) => l.trim() !== '');
  let rows = 0;
  try {
    const options = { batchSize: 3, maxLineBytes: MAX_LINE, headerless: HEADERLESS_CSV };
    for await (const batch of readCsvRows(chunked(bytes, size), 'f.csv', options)) {
      for (const { rowNumber } of batch) if (rowNumber !== ++rows) throw new Error(`row ${rows} numbered ${rowNumber}`);
    }
  } catch (e) {
    expectOwnError(e);
    if (e instanceof LineTooLongError) expect(tooLong).toBeGreaterThanOrEqual(0);
    return;
  }
  expect(tooLong).toBe(-1);
  const header = nonBlank.length ? csvColumns(nonBlank[0], 'f.csv', HEADERLESS_CSV).hasHeader : false;
  expect(rows).toBe(Math.max(0, nonBlank.length - (header ? 1 : 0)));
}

/** import's CSV path: every data line becomes a candle (finite, consistent) or a rejection with a reason code, or the file is its own error. */
async function checkImportPath(bytes: Uint8Array, size: number): Promise<void> {
  let layout: ReturnType<typeof csvLayout> | undefined;
  let accepted = 0;
  let rejected = 0;
  let dataLines = 0;
  try {
    for await (const { lines } of lineBatches(chunked(bytes, size), { id: 'f.csv', maxLineBytes: MAX_LINE })) {
      for (const raw of lines) {
        if (raw.trim() === '') continue;
        if (!layout) {
          layout = csvLayout(raw.replace(/^\uFEFF/, ''), 'f.csv');
          if (layout.hasHeader) continue;
        }
        dataLines++;
        const result = canonicalCandle(raw, layout, { symbol: 'BTCUSDT' });
        if ('reason' in result) {
          if (!/^[a-z_]+(:\w+)?$/.test(result.reason)) throw new Error(`a rejection without a reason code: ${JSON.stringify(result)}`);
          rejected++;
        } else {
          const c = result.candle;
          const finite = [c.ts, c.open, c.high, c.low, c.close, c.volume].every(Number.isFinite);
          if (!finite || !/^[A-Z0-9]+-[A-Z0-9]+$/.test(c.symbol))
            throw new Error(`accepted a bad candle: ${JSON.stringify(c)} from ${JSON.stringify(raw)}`);
          accepted++;
        }
      }
    }
  } catch (e) {
    expectOwnError(e);
    return;
  }
  expect(accepted + rejected).toBe(dataLines);
}

/** readCsvTable (reference data read whole): a header and one row per non-blank line, or "empty file". */
function checkCsvTable(bytes: Uint8Array): void {
  const text = new TextDecoder().decode(bytes);
  try {
    const { header, rows } = readCsvTable(text, 'f.csv');
    expect(header.length).toBeGreaterThan(0);
    expect(rows.length).toBe(text.split(/\r?\n/).filter((l) => l.trim() !== '').length - 1);
  } catch (e) {
    expect((e as Error).message).toBe('f.csv: empty file');
  }
}

describe('CSV readers (fuzzed)', () => {
  // One input through all three readers: generating it costs more than reading it.
  it('readCsvRows, the import path and readCsvTable on generated and mutated CSVs: every line a row, a candle or a rejection with a reason; only their own errors; no hang', async () => {
    await fc.assert(
      fc.asyncProperty(csvBytes, chunkSize, async (bytes, size) => {
        await checkCsvRows(bytes, size);
        await checkImportPath(bytes, size);
        checkCsvTable(bytes);
      }),
      fuzzSettings(), // a hang is caught by the test's time limit
    );
  });
});
