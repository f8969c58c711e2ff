import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { importExports, IMPORT_COLUMNS, type ImportOptions } from '../../../landing/import/importRun.ts';
import { openEntry, readZipDirectory } from '../../../landing/import/zipArchive.ts';
import { JsonlWriter } from '../../../io/JsonlWriter.ts';
import { LocalStorage } from '../../../io/storage/LocalStorage.ts';
import { ColumnBuffer } from '../../../io/parquet/ColumnBuffer.ts';
import { readParquetRows } from '../../../io/parquet/ParquetRowReader.ts';
import { makeZip } from './makeZip.ts';

const root = new URL('../../../', import.meta.url).pathname;
const fixtures = join(root, 'test/fixtures/import');
const cli = join(root, 'cli/candlestream.ts');
const ZIP = join(fixtures, 'BTCUSDT-1m-2025-01.zip');
const KRAKEN = join(fixtures, 'XBTUSD_1.csv');
const WITH_HEADER = join(fixtures, 'binance_SOLUSDT_1m_2024-03-10.csv');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-import-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function candlestream(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function run(out: string, sources: string[], more: Partial<ImportOptions> = {}) {
  const deadLetter = new JsonlWriter(join(dir, `${relative(dir, out).replace(/\W+/g, '_')}-dead.jsonl`));
  await deadLetter.resume(undefined);
  try {
    return await importExports({ sources, out, defaults: {}, from: -Infinity, to: Infinity, onError: 'fail', deadLetter, ...more });
  } finally {
    await deadLetter.close();
  }
}

interface Landed {
  symbol: string;
  date: string;
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  exchange: string;
  interval: string;
}

/** The dataset as DuckDB reads it (Hive partitions as columns), ordered by symbol and ts; ts (a TIMESTAMPTZ) as epoch ms. */
async function readBack(dataset: string): Promise<Landed[]> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const reader = await con.runAndReadAll(
      `SELECT symbol, CAST(date AS VARCHAR) AS date, epoch_ms(ts) AS ts, open, high, low, close, volume, exchange, interval FROM read_parquet('${dataset}/**/*.parquet', hive_partitioning = true) ORDER BY symbol, ts`,
    );
    return reader.getRowObjects().map((r) => ({ ...r, ts: Number(r.ts) }) as unknown as Landed);
  } finally {
    con.closeSync();
  }
}

async function columnTypes(dataset: string): Promise<string[]> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const reader = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${dataset}/**/*.parquet', hive_partitioning = false)`);
    return reader.getRows().map((r) => `${r[0]} ${r[1]}`);
  } finally {
    con.closeSync();
  }
}

/**
 * A copy of a landed dataset as import wrote it before ts was a TIMESTAMP: every file rewritten with
 * ts a plain INT64 (epoch ms), the other columns as they are.
 */
async function asOlderDataset(from: string, to: string): Promise<void> {
  const older = IMPORT_COLUMNS.map((c) => (c.name === 'ts' ? { ...c, type: 'int64' as const } : c));
  for (const file of (await files(from)).filter((f) => f.endsWith('.parquet'))) {
    const buffer = new ColumnBuffer(older);
    for await (const batch of readParquetRows(join(from, file))) for (const { row } of batch) buffer.append(row);
    await mkdir(dirname(join(to, file)), { recursive: true });
    await writeFile(join(to, file), buffer.encode());
  }
  expect(await columnTypes(to)).toContain('ts BIGINT');
}

/** Every file under a directory, relative to it. */
async function files(path: string): Promise<string[]> {
  return (await readdir(path, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => relative(path, join(e.parentPath, e.name)))
    .sort();
}

/** The source rows, read here independently of the importer: time in the given unit → ms, prices as numbers. */
function expected(text: string, symbol: string, exchange: string, unitToMs: (t: string) => number, header: boolean) {
  const lines = text
    .trim()
    .split('\n')
    .slice(header ? 1 : 0);
  return lines.map((line) => {
    const c = line.split(',');
    const ts = unitToMs(c[0]);
    return {
      symbol,
      date: new Date(ts).toISOString().slice(0, 10),
      ts,
      open: Number(c[1]),
      high: Number(c[2]),
      low: Number(c[3]),
      close: Number(c[4]),
      volume: Number(c[5]),
      exchange,
      interval: '1m',
    };
  });
}

describe('import: exchange exports → Parquet', () => {
  it('lands a data-vision zip (header-less klines, µs times), a Kraken OHLCVT CSV and a Binance CSV with a header, as the source rows', async () => {
    const out = join(dir, 'three');
    const summary = await run(out, [ZIP, KRAKEN, WITH_HEADER]);
    expect({
      files: summary.files,
      archives: summary.archives,
      rowsIn: summary.rowsIn,
      written: summary.written,
      rejected: summary.rejected.size,
      partitions: summary.partitions,
    }).toEqual({
      files: 3,
      archives: 1,
      rowsIn: 75,
      written: 75,
      rejected: 0,
      partitions: 6,
    });
    expect(await files(out)).toEqual([
      'symbol=BTC-USD/date=2024-01-01/part-000001.parquet',
      'symbol=BTC-USD/date=2024-01-02/part-000001.parquet',
      'symbol=BTC-USDT/date=2025-01-01/part-000001.parquet',
      'symbol=BTC-USDT/date=2025-01-02/part-000001.parquet',
      'symbol=SOL-USDT/date=2024-03-10/part-000001.parquet',
      'symbol=SOL-USDT/date=2024-03-11/part-000001.parquet',
    ]);
    expect(await columnTypes(out)).toEqual([
      'ts TIMESTAMP WITH TIME ZONE',
      'open DOUBLE',
      'high DOUBLE',
      'low DOUBLE',
      'close DOUBLE',
      'volume DOUBLE',
      'exchange VARCHAR',
      'interval VARCHAR',
    ]);

    const zipped = new TextDecoder().decode(
      Buffer.concat(
        await collect(
          openEntry(new LocalStorage(), ZIP, (await readZipDirectory(new LocalStorage(), ZIP, (await readFile(ZIP)).length))[0]),
        ),
      ),
    );
    expect(zipped.split('\n')[0]).toMatch(/^1735775100000000,94000\.00000000,/); // microseconds in the source
    const want = [
      ...expected(await readFile(KRAKEN, 'utf8'), 'BTC-USD', 'unknown', (t) => Number(t) * 1000, false),
      ...expected(zipped, 'BTC-USDT', 'unknown', (t) => Number(BigInt(t) / 1000n), false),
      ...expected(await readFile(WITH_HEADER, 'utf8'), 'SOL-USDT', 'binance', (t) => Number(t), true),
    ];
    const got = await readBack(out);
    expect(got).toHaveLength(75);
    expect(got).toEqual(want);
    expect(got.filter((r) => r.symbol === 'BTC-USDT').map((r) => r.date)).toEqual([
      ...Array(15).fill('2025-01-01'),
      ...Array(15).fill('2025-01-02'),
    ]);
  });

  it('takes --exchange, --interval and --symbol for rows without them, and keeps only from ≤ ts < to', async () => {
    const out = join(dir, 'flags');
    const from = Date.UTC(2024, 0, 1, 23, 55);
    const to = Date.UTC(2024, 0, 2, 0, 5);
    const summary = await run(out, [KRAKEN], { defaults: { exchange: 'Kraken', interval: '1m' }, from, to });
    expect([summary.written, summary.outside]).toEqual([10, 10]);
    const got = await readBack(out);
    expect(got.map((r) => r.ts)).toEqual(Array.from({ length: 10 }, (_, i) => from + i * 60_000));
    expect(new Set(got.map((r) => `${r.symbol} ${r.exchange} ${r.interval}`))).toEqual(new Set(['BTC-USD kraken 1m']));

    await writeFile(join(dir, 'klines.csv'), '1704067200,1,2,0.5,1.5,10\n1704067260,1.5,2,1,1.2,11\n');
    const named = await run(join(dir, 'named'), [join(dir, 'klines.csv')], { defaults: { symbol: 'ETHUSDT', interval: '1h' } });
    expect(named.written).toBe(2);
    expect((await readBack(join(dir, 'named'))).map((r) => [r.symbol, r.interval, r.ts])).toEqual([
      ['ETH-USDT', '1h', Date.UTC(2024, 0, 1)],
      ['ETH-USDT', '1h', Date.UTC(2024, 0, 1, 0, 1)],
    ]);
    await expect(run(join(dir, 'unnamed'), [join(dir, 'klines.csv')])).rejects.toThrow(
      /klines\.csv: missing column 'symbol', and neither the path nor the file name names one; pass --symbol/,
    );
  });

  it('writes rows that cannot be read to the dead-letter file with their reason, and counts them', async () => {
    const lines = [
      'open_time,open,high,low,close,volume',
      '2024-01-01T00:00:00Z,10,11,9,10.5,1',
      '2024-01-01T00:01:00Z,10.5,11,9,10,2',
      'yesterday,10,11,9,10.5,1', // bad timestamp
      '2024-01-01T00:03:00Z,ten,11,9,10.5,1', // non-numeric price
      '2024-01-01T00:04:00Z,10,11,9,10.5', // wrong column count
      '',
      '2024-01-01T00:05:00Z,10,11,9,10.5,1,7', // wrong column count
      '2024-01-01T00:06:00Z,10,11,9,10.5,3',
    ];
    await mkdir(join(dir, 'bad'), { recursive: true });
    await writeFile(join(dir, 'bad', 'ADAUSDT_1m.csv'), lines.join('\r\n') + '\r\n');
    const r = candlestream(join(dir, 'bad'), 'import', '--source', 'ADAUSDT_1m.csv', '--out', 'ds', '--exchange', 'binance');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /import: 7 rows in, 3 written to 1 partition\(s\) of ds .*; rejected: 4 \(bad_timestamp 1, non_numeric:open 1, wrong_column_count 2\) in ds\/_dead-letter\.jsonl; 1 file\(s\); [\d.]+ s/,
    );
    const letters = (await readFile(join(dir, 'bad', 'ds', '_dead-letter.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(letters).toEqual([
      { reason: 'bad_timestamp', detail: 'open_time="yesterday"', source: 'ADAUSDT_1m.csv', line: 4, original: lines[3] },
      { reason: 'non_numeric:open', detail: 'open="ten"', source: 'ADAUSDT_1m.csv', line: 5, original: lines[4] },
      { reason: 'wrong_column_count', detail: '5 cells, the file has 6 columns', source: 'ADAUSDT_1m.csv', line: 6, original: lines[5] },
      { reason: 'wrong_column_count', detail: '7 cells, the file has 6 columns', source: 'ADAUSDT_1m.csv', line: 8, original: lines[7] },
    ]);
    expect((await readBack(join(dir, 'bad', 'ds'))).map((r) => [r.ts, r.volume])).toEqual([
      [Date.UTC(2024, 0, 1, 0, 0), 1],
      [Date.UTC(2024, 0, 1, 0, 1), 2],
      [Date.UTC(2024, 0, 1, 0, 6), 3],
    ]);
    // The same import again (a crash's re-run) replaces its dead letters, as it does its rows; another import appends its own.
    const deadLetters = async () => (await readFile(join(dir, 'bad', 'ds', '_dead-letter.jsonl'), 'utf8')).trim().split('\n');
    expect(
      candlestream(join(dir, 'bad'), 'import', '--source', 'ADAUSDT_1m.csv', '--out', 'ds', '--exchange', 'binance', '--quiet').code,
    ).toBe(0);
    expect(await deadLetters()).toHaveLength(4);
    await writeFile(join(dir, 'bad', 'ADAUSDT_1m-b.csv'), [lines[0], lines[3]].join('\n') + '\n');
    expect(candlestream(join(dir, 'bad'), 'import', '--source', 'ADAUSDT_1m-b.csv', '--out', 'ds', '--quiet').code).toBe(0);
    expect((await deadLetters()).map((l) => JSON.parse(l).source)).toEqual([...Array(4).fill('ADAUSDT_1m.csv'), 'ADAUSDT_1m-b.csv']);
    // So does the first again: the last import to start was another one.
    expect(
      candlestream(join(dir, 'bad'), 'import', '--source', 'ADAUSDT_1m.csv', '--out', 'ds', '--exchange', 'binance', '--quiet').code,
    ).toBe(0);
    expect(await deadLetters()).toHaveLength(9);
  });

  it('stops fast on a 50 MB line, naming the file and the line (a 51 KB zip); --on-error skip skips the rest of the file and says so', async () => {
    const work = join(dir, 'long-line');
    await mkdir(work, { recursive: true });
    const t = Date.UTC(2024, 5, 1);
    const good = `${t},1,2,0.5,1.5,1\n`;
    await writeFile(
      join(work, 'ETCUSDT-1m-2024-06-01.zip'),
      makeZip([{ name: 'ETCUSDT-1m-2024-06-01.csv', data: good + '7'.repeat(50_000_000) + '\n' + good }]),
    );
    await writeFile(join(work, 'ETCUSDT-1m-2024-06-02.csv'), `${t + 86_400_000},1,2,0.5,1.5,1\n`);
    const started = performance.now();
    const failed = candlestream(
      work,
      'import',
      '--source',
      'ETCUSDT-1m-2024-06-01.zip',
      '--source',
      'ETCUSDT-1m-2024-06-02.csv',
      '--out',
      'ds',
    );
    expect(failed.stderr).toMatch(
      /ETCUSDT-1m-2024-06-01\.zip!ETCUSDT-1m-2024-06-01\.csv: line 2 is longer than 1048576 bytes \(--max-line-bytes\)/,
    );
    expect(failed.code).toBe(1);
    const skipped = candlestream(
      work,
      'import',
      '--source',
      'ETCUSDT-1m-2024-06-01.zip',
      '--source',
      'ETCUSDT-1m-2024-06-02.csv',
      '--out',
      'ds',
      '--on-error',
      'skip',
    );
    expect(skipped.stderr).toMatch(/import: skipped the rest of .*ETCUSDT-1m-2024-06-01\.csv: line 2 is longer than 1048576 bytes/);
    expect(skipped.code).toBe(0);
    expect((await readBack(join(work, 'ds'))).map((r) => r.date)).toEqual(['2024-06-01', '2024-06-02']);
    expect(performance.now() - started).toBeLessThan(15_000); // was 63 s for one run: the line was re-split on every chunk
    // The limit is a flag; a bad value stops start-up naming it.
    const limited = candlestream(work, 'import', '--source', 'ETCUSDT-1m-2024-06-02.csv', '--out', 'ds2', '--max-line-bytes', '10');
    expect(limited.stderr).toMatch(/^candlestream import: --max-line-bytes must be a whole number ≥ 64, not "10"/);
    expect(limited.code).toBe(2);
  }, 30_000);

  it('sends a row whose symbol cannot be a partition directory (300 characters) to the dead letters, and lands the others', async () => {
    const work = join(dir, 'long-symbol');
    await mkdir(work, { recursive: true });
    const long = `${'A'.repeat(296)}USDT`;
    const t = Date.UTC(2024, 6, 1);
    const lines = [
      'symbol,open_time,open,high,low,close,volume',
      `BTCUSDT,${t},1,2,0.5,1.5,1`,
      `${long},${t},1,2,0.5,1.5,2`,
      `ETHUSDT,${t},1,2,0.5,1.5,3`,
    ];
    await writeFile(join(work, 'mixed.csv'), lines.join('\n') + '\n');
    const r = candlestream(work, 'import', '--source', 'mixed.csv', '--out', 'ds', '--commit-every', '1');
    expect(r.stderr).toMatch(/3 rows in, 2 written to 2 partition\(s\) .*rejected: 1 \(bad_symbol:too_long 1\)/);
    expect(r.code).toBe(0);
    const [letter] = (await readFile(join(work, 'ds', '_dead-letter.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(letter).toMatchObject({ reason: 'bad_symbol:too_long', source: 'mixed.csv', line: 3, original: lines[2] });
    expect(await files(join(work, 'ds'))).toEqual([
      '._dead-letter.jsonl.candlestream.json',
      '_dead-letter.jsonl',
      'symbol=BTC-USDT/date=2024-07-01/part-000001.parquet',
      'symbol=ETH-USDT/date=2024-07-01/part-000002.parquet',
    ]);
  });

  it('removes the hidden part files a killed run left in a partition it writes', async () => {
    const out = join(dir, 'leftovers');
    await run(out, [KRAKEN]);
    const leftover = join(out, 'symbol=BTC-USD', 'date=2024-01-01', '.part-000007.parquet.tmp'); // a commit number this run does not reach
    await writeFile(leftover, 'half a Parquet file');
    await run(out, [KRAKEN]);
    expect((await files(out)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('does not duplicate rows when the same export is imported again, zipped or not, in one commit or many', async () => {
    const out = join(dir, 'again');
    await run(out, [ZIP, KRAKEN]);
    const first = await readBack(out);
    const again = await run(out, [ZIP, KRAKEN]);
    expect([again.written, again.replaced]).toEqual([50, 50]);
    // The zip's member unpacked, as a plain CSV, under another name; imported row by row in tiny commits.
    const member = (await readZipDirectory(new LocalStorage(), ZIP, (await readFile(ZIP)).length))[0];
    await writeFile(join(dir, 'BTCUSDT-1m-unzipped.csv'), Buffer.concat(await collect(openEntry(new LocalStorage(), ZIP, member))));
    const unzipped = await run(out, [join(dir, 'BTCUSDT-1m-unzipped.csv')], { commitEvery: 4 });
    expect([unzipped.written, unzipped.replaced]).toEqual([30, 30]);
    expect(await readBack(out)).toEqual(first);
    expect((await files(out)).filter((f) => f.startsWith('symbol=BTC-USDT/'))).toHaveLength(2); // one file per partition
  });

  it('replaces the rows an overlapping, corrected export repeats, and keeps the others', async () => {
    const out = join(dir, 'overlap');
    await run(out, [KRAKEN]);
    const rows = (await readFile(KRAKEN, 'utf8')).trim().split('\n');
    // The last 5 candles again, the first of them corrected, and 3 new ones.
    const corrected = rows.slice(15).map((line, i) => (i === 0 ? line.replace(/,0\.\d+,(\d+)$/, ',9.5,$1') : line));
    const newer = [0, 1, 2].map((i) => `${1704153000 + (20 + i) * 60},42280.1,42281.0,42279.0,42280.5,0.5,2`);
    await writeFile(join(dir, 'XBTUSD_1-update.csv'), [...corrected, ...newer].join('\n') + '\n');
    const update = await run(out, [join(dir, 'XBTUSD_1-update.csv')]);
    expect([update.written, update.replaced]).toEqual([8, 5]);
    const got = await readBack(out);
    expect(got).toHaveLength(23);
    expect(got.map((r) => r.ts)).toEqual(Array.from({ length: 23 }, (_, i) => (1704153000 + i * 60) * 1000));
    expect(got[15].volume).toBe(9.5);
    expect(got[14].volume).toBe(Number(rows[14].split(',')[5]));
    expect(got[16].volume).toBe(Number(rows[16].split(',')[5]));
  });

  it('stops when a partition cannot be written, even with --on-error skip (that is for files that cannot be read)', async () => {
    const out = join(dir, 'blocked');
    await mkdir(join(out, 'symbol=BTC-USD'), { recursive: true });
    await writeFile(join(out, 'symbol=BTC-USD', 'date=2024-01-01'), 'a file where the partition directory should be');
    const skips: string[] = [];
    await expect(run(out, [KRAKEN, WITH_HEADER], { onError: 'skip', commitEvery: 5, onSkip: (m) => skips.push(m) })).rejects.toThrow(
      /date=2024-01-01/,
    );
    expect(skips).toEqual([]);
  });

  it('gives backfill the same features as the original files (byte for byte)', async () => {
    const work = join(dir, 'parity');
    await mkdir(work, { recursive: true });
    const imported = candlestream(work, 'import', '--source', join(root, 'data/candles'), '--out', 'landed', '--commit-every', '20000');
    expect(imported.stderr).toMatch(/60,480 rows in, 60,480 written to 42 partition\(s\)/);
    expect(imported.code).toBe(0);
    const original = candlestream(
      work,
      'backfill',
      '--source',
      join(root, 'data/candles'),
      '--sink',
      'jsonl:original.jsonl',
      '--state-dir',
      'state-original',
      '--quiet',
    );
    const replayed = candlestream(
      work,
      'backfill',
      '--source',
      'landed',
      '--sink',
      'jsonl:landed.jsonl',
      '--state-dir',
      'state-landed',
      '--quiet',
    );
    expect([original.code, replayed.code, original.stderr, replayed.stderr]).toEqual([0, 0, '', '']);
    const [a, b] = [await readFile(join(work, 'original.jsonl')), await readFile(join(work, 'landed.jsonl'))];
    expect(a.length).toBeGreaterThan(1_000_000);
    expect(b.equals(a)).toBe(true);

    // A dataset landed before ts was a TIMESTAMP is read as it was.
    await asOlderDataset(join(work, 'landed'), join(work, 'landed-int64'));
    const older = candlestream(
      work,
      'backfill',
      '--source',
      'landed-int64',
      '--sink',
      'jsonl:older.jsonl',
      '--state-dir',
      'state-older',
      '--quiet',
    );
    expect([older.code, older.stderr]).toEqual([0, '']);
    expect((await readFile(join(work, 'older.jsonl'))).equals(a)).toBe(true);
  });

  it('refuses to add to a dataset landed before ts was a TIMESTAMP, naming a file, and changes nothing (DuckDB refuses a column of two types)', async () => {
    await run(join(dir, 'older-source'), [KRAKEN]);
    const out = join(dir, 'older');
    await asOlderDataset(join(dir, 'older-source'), out);
    const before = await Promise.all((await files(out)).map(async (f) => [f, await readFile(join(out, f))]));
    const refusal =
      /older\/symbol=BTC-USD\/date=2024-01-0[12]\/part-000001\.parquet: ts is a plain INT64 .*two types.*: import into another --out/;
    await expect(run(out, [KRAKEN, WITH_HEADER])).rejects.toThrow(refusal);
    const cli = candlestream(dir, 'import', '--source', KRAKEN, '--out', out, '--quiet');
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(refusal);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(await Promise.all((await files(out)).map(async (f) => [f, await readFile(join(out, f))]))).toEqual(before);
    // What the refusal prevents: the partitions an import rewrites would say TIMESTAMP beside the others' INT64.
    const mixed = join(dir, 'mixed');
    await cp(out, mixed, { recursive: true });
    await cp(join(dir, 'older-source', 'symbol=BTC-USD', 'date=2024-01-02'), join(mixed, 'symbol=BTC-USD', 'date=2024-01-02'), {
      recursive: true,
    });
    await expect(readBack(mixed)).rejects.toThrow(/Conversion Error/);
  });
});

describe('import: zip archives', () => {
  it('reads stored and deflated members, in folders, leaving out non-CSV, __MACOSX and hidden members; ZIP64 too', async () => {
    for (const zip64 of [false, true]) {
      const csv = (n: number, day = 0) =>
        Array.from({ length: n }, (_, i) => `${1704067200 + day * 86_400 + i * 60},1,2,0.5,1.5,${i + 1}`).join('\n') + '\n';
      const archive = makeZip(
        [
          { name: 'klines/', data: '' },
          { name: 'klines/DOGEUSDT-1m-2024-01-01.csv', data: csv(3), method: 0 },
          { name: 'klines/DOGEUSDT-1m-2024-01-02.csv', data: csv(4, 1), method: 8 },
          { name: 'README.txt', data: 'not data' },
          { name: '__MACOSX/klines/._DOGEUSDT-1m-2024-01-01.csv', data: 'resource fork' },
          { name: 'klines/.hidden.csv', data: 'x' },
        ],
        zip64,
      );
      const path = join(dir, `members-${zip64}.zip`);
      await writeFile(path, archive);
      const entries = await readZipDirectory(new LocalStorage(), path, archive.length);
      expect(entries.map((e) => [e.name, e.method, e.uncompressedSize])).toEqual([
        ['klines/', 0, 0],
        ['klines/DOGEUSDT-1m-2024-01-01.csv', 0, csv(3).length],
        ['klines/DOGEUSDT-1m-2024-01-02.csv', 8, csv(4, 1).length],
        ['README.txt', 8, 8],
        ['__MACOSX/klines/._DOGEUSDT-1m-2024-01-01.csv', 8, 13],
        ['klines/.hidden.csv', 8, 1],
      ]);
      const summary = await run(join(dir, `members-${zip64}`), [path]);
      expect([summary.files, summary.written]).toEqual([2, 7]);
      expect((await readBack(join(dir, `members-${zip64}`))).map((r) => [r.date, r.volume])).toEqual([
        ['2024-01-01', 1],
        ['2024-01-01', 2],
        ['2024-01-01', 3],
        ['2024-01-02', 1],
        ['2024-01-02', 2],
        ['2024-01-02', 3],
        ['2024-01-02', 4],
      ]);
    }
  });

  it('stops on a corrupt or truncated archive, naming it; --on-error skip skips it and says so', async () => {
    const month = (m: number, badCrc = false) => {
      const t = Date.UTC(2024, m - 1, 1);
      return makeZip([{ name: `LTCUSDT-1m-2024-0${m}.csv`, data: `${t},1,2,0.5,1.5,1\n${t + 60_000},1,2,0.5,1.5,2\n`, badCrc }]);
    };
    const work = join(dir, 'corrupt');
    await mkdir(join(work, 'in'), { recursive: true });
    await writeFile(join(work, 'in', 'LTCUSDT-1m-2024-01.zip'), month(1, true)); // found when read: its CRC-32 does not match
    const truncated = month(2);
    await writeFile(join(work, 'in', 'LTCUSDT-1m-2024-02.zip'), truncated.subarray(0, truncated.length - 30)); // found when checked
    await writeFile(join(work, 'in', 'LTCUSDT-1m-2024-03.zip'), month(3));

    const failed = candlestream(work, 'import', '--source', 'in', '--out', 'ds');
    expect(failed.stderr).toMatch(/^candlestream import: in\/LTCUSDT-1m-2024-01\.zip!LTCUSDT-1m-2024-01\.csv: corrupt \(CRC-32/);
    expect(failed.code).toBe(1);
    expect(await readdir(work)).not.toContain('ds'); // every file is checked before anything is written
    const bad = candlestream(
      work,
      'import',
      '--source',
      'in/LTCUSDT-1m-2024-01.zip',
      '--source',
      'in/LTCUSDT-1m-2024-03.zip',
      '--out',
      'ds',
    );
    expect(bad.stderr).toMatch(/^candlestream import: in\/LTCUSDT-1m-2024-01\.zip!LTCUSDT-1m-2024-01\.csv: corrupt \(CRC-32/);
    expect(bad.code).toBe(1);
    expect(await readdir(work)).not.toContain('ds');

    const skipped = candlestream(work, 'import', '--source', 'in', '--out', 'ds', '--on-error', 'skip');
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toMatch(/import: skipped in\/LTCUSDT-1m-2024-02\.zip: not a zip file, or truncated/);
    // Checked before any of its rows is used: the corrupt member is skipped whole, none of its rows lands.
    expect(skipped.stderr).toMatch(/import: skipped in\/LTCUSDT-1m-2024-01\.zip!LTCUSDT-1m-2024-01\.csv: corrupt \(CRC-32/);
    expect(skipped.stderr).toMatch(/2 rows in, 2 written .* 1 file\(s\) \(from 1 zip archive\(s\)\), 2 skipped \(--on-error skip\)/);
    expect((await readBack(join(work, 'ds'))).map((r) => r.date)).toEqual(['2024-03-01', '2024-03-01']);
  });

  it('uses no row of a corrupt member, even when rows are committed every 5 (its CRC-32 is checked first)', async () => {
    const t = Date.UTC(2024, 4, 1);
    const rows = Array.from({ length: 12 }, (_, i) => `${t + i * 60_000},1,2,0.5,1.5,${i + 1}`);
    const archive = makeZip([{ name: 'XRPUSDT-1m-2024-05-01.csv', data: rows.join('\n') + '\n', method: 0 }]);
    // One row's volume changed in the stored bytes; the directory's CRC-32 is the original's: a corrupt row.
    const at = archive.indexOf(Buffer.from(rows[7]));
    archive[at + rows[7].length - 1] = '9'.charCodeAt(0);
    const work = join(dir, 'corrupt-member');
    await mkdir(work, { recursive: true });
    await writeFile(join(work, 'XRPUSDT-1m-2024-05-01.zip'), archive);
    await writeFile(join(work, 'XRPUSDT-1m-2024-04-30.csv'), `${t - 120_000},1,2,0.5,1.5,1\n${t - 60_000},1,2,0.5,1.5,2\n`);
    const failed = candlestream(
      work,
      'import',
      '--source',
      'XRPUSDT-1m-2024-04-30.csv',
      '--source',
      'XRPUSDT-1m-2024-05-01.zip',
      '--out',
      'ds',
      '--commit-every',
      '5',
    );
    expect(failed.stderr).toMatch(/XRPUSDT-1m-2024-05-01\.zip!XRPUSDT-1m-2024-05-01\.csv: corrupt \(CRC-32/);
    expect(failed.code).toBe(1);
    expect(await readdir(work)).not.toContain('ds');
    const skipped = candlestream(
      work,
      'import',
      '--source',
      'XRPUSDT-1m-2024-05-01.zip',
      '--source',
      'XRPUSDT-1m-2024-04-30.csv',
      '--out',
      'ds',
      '--commit-every',
      '5',
      '--on-error',
      'skip',
    );
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toMatch(/skipped XRPUSDT-1m-2024-05-01\.zip!XRPUSDT-1m-2024-05-01\.csv: corrupt/);
    expect((await readBack(join(work, 'ds'))).map((r) => r.date)).toEqual(['2024-04-30', '2024-04-30']);
  });

  it('never inflates a member past the size its directory gives', async () => {
    const archive = makeZip([{ name: 'big.csv', data: 'x'.repeat(1 << 20), method: 8 }]);
    archive.writeUInt32LE(1000, archive.length - 22 - 46 - 'big.csv'.length + 24); // the directory now says 1,000 bytes
    const path = join(dir, 'bomb.zip');
    await writeFile(path, archive);
    const [entry] = await readZipDirectory(new LocalStorage(), path, archive.length);
    expect(entry.uncompressedSize).toBe(1000);
    let inflated = 0;
    await expect(
      (async () => {
        for await (const chunk of openEntry(new LocalStorage(), path, entry)) inflated += chunk.length;
      })(),
    ).rejects.toThrow(/bomb\.zip!big\.csv: corrupt \(more than the 1000 bytes the directory says\)/);
    expect(inflated).toBeLessThanOrEqual(1000); // stopped at the first chunk past it
  });

  it('checks a member against its CRC-32 and length as it streams', async () => {
    const archive = makeZip([{ name: 'x.csv', data: 'abc\n', method: 0 }]);
    archive[30 + 'x.csv'.length] = 'x'.charCodeAt(0); // stored data changed, CRC not
    const path = join(dir, 'crc.zip');
    await writeFile(path, archive);
    const [entry] = await readZipDirectory(new LocalStorage(), path, archive.length);
    await expect(collect(openEntry(new LocalStorage(), path, entry))).rejects.toThrow(
      /crc\.zip!x\.csv: corrupt \(CRC-32 [0-9a-f]{8}, the directory says [0-9a-f]{8}\)/,
    );
  });
});

describe('candlestream import (command line)', () => {
  it('has a --help that lists every option it accepts', async () => {
    const r = candlestream(dir, 'import', '--help');
    expect(r.code).toBe(0);
    const { IMPORT_FLAGS } = await import('../../../cli/importCommand.ts');
    for (const flag of Object.keys(IMPORT_FLAGS)) expect(r.stdout).toContain(`--${flag}`);
  });

  it.each([
    [['--out', 'x'], /--source is required/],
    [['--source', 'x.csv'], /--out is required/],
    [['--source', 'x.csv', '--out', 'x', '--interval', '7m'], /--interval: unknown interval "7m"/],
    [['--source', 'x.csv', '--out', 'x', '--symbol', 'bitcoin!'], /--symbol: "bitcoin!" is not a pair/],
    [['--source', 'x.csv', '--out', 'x', '--on-error', 'ignore'], /--on-error must be fail or skip/],
    [['--source', 'x.csv', '--out', 'x', '--dead-letter', 'kafka:topic'], /--dead-letter: cannot write to "kafka:topic"/],
    [['--source', 'x.csv', '--out', 'x', '--from', 'soon'], /--from: cannot read "soon"/],
    [
      ['--source', 'x.csv', '--out', 'x', '--commit-every', '1e9'],
      /--commit-every must be a whole number from 1 to 10000000 \(rows are held in memory/,
    ],
  ])('stops with exit 2 and names the bad setting: %j', (args, message) => {
    const r = candlestream(dir, 'import', ...args);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });

  it('stops with exit 1 naming a source that does not exist or has an unknown layout', async () => {
    expect(candlestream(dir, 'import', '--source', 'missing.zip', '--out', 'x').stderr).toMatch(/missing\.zip: no such file or directory/);
    await writeFile(join(dir, 'odd_BTCUSDT.csv'), '1,2,3\n');
    const r = candlestream(dir, 'import', '--source', 'odd_BTCUSDT.csv', '--out', 'x');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/odd_BTCUSDT\.csv: no header, and 3 columns match no known export/);
  });

  it('refuses a file whose name says an interval it does not handle, unless --interval says what to land it as', async () => {
    const work = join(dir, 'seconds');
    await mkdir(work, { recursive: true });
    await writeFile(join(work, 'BTCUSDT-1s-2025-01-01.csv'), '1735689600000000,1,2,0.5,1.5,1,1735689600999999,0,1,0,0,0\n');
    await writeFile(join(work, 'BTCUSDT-8h-2025-01.csv'), '1735689600000000,1,2,0.5,1.5,1,1735718399999999,0,1,0,0,0\n');
    const seconds = candlestream(work, 'import', '--source', 'BTCUSDT-1s-2025-01-01.csv', '--out', 'ds');
    expect(seconds.stderr).toMatch(
      /BTCUSDT-1s-2025-01-01\.csv: the file name says interval "1s", which candlestream does not handle; pass --interval/,
    );
    expect(seconds.code).toBe(1);
    const hours = candlestream(work, 'import', '--source', 'BTCUSDT-8h-2025-01.csv', '--out', 'ds');
    expect(hours.stderr).toMatch(/BTCUSDT-8h-2025-01\.csv: the file name says interval "8h": unknown interval "8h"/);
    expect(hours.code).toBe(1);
    const forced = candlestream(work, 'import', '--source', 'BTCUSDT-8h-2025-01.csv', '--out', 'ds', '--interval', '4h', '--quiet');
    expect([forced.code, forced.stderr]).toEqual([0, '']);
    expect((await readBack(join(work, 'ds'))).map((r) => r.interval)).toEqual(['4h']);
  });

  it('imports a directory given with a trailing slash into an existing dataset, copying nothing else', async () => {
    const work = join(dir, 'copy');
    await cp(fixtures, join(work, 'exports'), { recursive: true });
    const r = candlestream(work, 'import', '--source', 'exports/', '--out', 'ds/', '--exchange', 'binance', '--quiet');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect((await files(join(work, 'ds'))).length).toBe(6);
    expect(new Set((await readBack(join(work, 'ds'))).map((r) => r.exchange))).toEqual(new Set(['binance']));
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
