import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMatches, ta } from '../processors/indicators/reference.ts';

const cli = new URL('../../cli/candlestream.ts', import.meta.url).pathname;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function candlestream(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const T0 = Date.UTC(2024, 0, 1);

describe('candlestream backfill', () => {
  it('reads header-less Binance and Kraken exports, symbol and interval from the file name', async () => {
    const binance = Array.from({ length: 30 }, (_, i) =>
      [T0 + i * 60_000, 100 + i, 102 + i, 99 + i, 101 + i, 2, T0 + i * 60_000 + 59_999, 0, 5, 0, 0, 0].join(','),
    );
    const kraken = Array.from({ length: 30 }, (_, i) => [(T0 + i * 60_000) / 1000, 50, 51, 49, 50.5, 1, 3].join(','));
    await writeFile(join(dir, 'BTCUSDT-1m-2024-01.csv'), binance.join('\n') + '\n');
    await writeFile(join(dir, 'XBTUSD_1.csv'), kraken.join('\n') + '\n');
    const r = candlestream(
      'backfill',
      '--source',
      'BTCUSDT-1m-2024-01.csv',
      '--source',
      'XBTUSD_1.csv',
      '--intervals',
      '1m,5m',
      '--sink',
      'jsonl:out.jsonl',
      '--fresh',
    );
    expect(r.stderr).toMatch(/60 records in/);
    expect(r.code).toBe(0);
    const rows = (await readFile(join(dir, 'out.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const count = (symbol: string, interval: string) => rows.filter((x) => x.symbol === symbol && x.interval === interval).length;
    expect([count('BTC-USDT', '1m'), count('BTC-USDT', '5m'), count('BTC-USD', '1m'), count('BTC-USD', '5m')]).toEqual([30, 6, 30, 6]);
    expect(rows.find((x) => x.symbol === 'BTC-USDT' && x.interval === '1m' && x.ts === T0 + 29 * 60_000).sma_14).toBeCloseTo(
      101 + 29 - 6.5,
      9,
    );
  });

  it('names indicator columns after the periods it is given', async () => {
    const r = candlestream(
      'backfill',
      '--source',
      'BTCUSDT-1m-2024-01.csv',
      '--intervals',
      '1m',
      '--periods',
      'sma=5;rsi=7;atr=3',
      '--sink',
      'jsonl:periods.jsonl',
      '--fresh',
      '--state-dir',
      'periods-state',
    );
    expect(r.code).toBe(0);
    const last = JSON.parse((await readFile(join(dir, 'periods.jsonl'), 'utf8')).trim().split('\n').pop()!);
    expect(Object.keys(last)).toEqual(expect.arrayContaining(['sma_5', 'rsi_7', 'atr_3', 'ema_12']));
    expect(Object.keys(last)).not.toContain('sma_14');
    expect(last.sma_5).toBeCloseTo(101 + 29 - 2, 9);
  });

  it('adds the stochastic oscillator, off by default, when --periods names it', async () => {
    const backfill = (...args: string[]) =>
      candlestream('backfill', '--source', 'BTCUSDT-1m-2024-01.csv', '--intervals', '1m', '--fresh', ...args);
    const r = backfill('--periods', 'stoch=5,3,2', '--sink', 'jsonl:stoch.jsonl', '--state-dir', 'stoch-state');
    expect(r.code).toBe(0);
    const rows = (await readFile(join(dir, 'stoch.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(Object.keys(rows[0]).slice(-4)).toEqual(['vwap', 'atr_14', 'stoch_k', 'stoch_d']);
    const hlc = { high: rows.map((x) => x.high), low: rows.map((x) => x.low), close: rows.map((x) => x.close) };
    const periods = { optInFastK_Period: 5, optInSlowK_Period: 3, optInSlowD_Period: 2 };
    const stoch = ta('STOCH', hlc, { ...periods, optInSlowK_MAType: 0, optInSlowD_MAType: 0 });
    expectMatches(
      rows.map((x) => x.stoch_k),
      stoch.outSlowK,
      'stoch_k',
    );
    expectMatches(
      rows.map((x) => x.stoch_d),
      stoch.outSlowD,
      'stoch_d',
    );
    const plain = backfill('--sink', 'jsonl:plain.jsonl', '--state-dir', 'plain-state');
    expect(plain.code).toBe(0);
    expect(await readFile(join(dir, 'plain.jsonl'), 'utf8')).not.toContain('stoch');
  });

  it('stops with exit 1 and names the file and the column when a column is missing', async () => {
    await writeFile(join(dir, 'ETHUSDT_1m.csv'), 'open_time,open,high,low,volume\n2024-01-01T00:00:00Z,1,2,0.5,3\n');
    const r = candlestream('backfill', '--source', 'ETHUSDT_1m.csv', '--sink', '-');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ETHUSDT_1m.csv: missing column 'close'");
  });

  it('reads a CSV saved by a spreadsheet: byte-order mark, quoted header, CRLF', async () => {
    const lines = [
      '\uFEFF"Date","Open","High","Low","Close","Volume"',
      ...Array.from({ length: 5 }, (_, i) => `2024-01-01 00:0${i}:00,10,11,9,10.5,1`),
    ];
    await writeFile(join(dir, 'SOLUSDT_1m.csv'), lines.join('\r\n') + '\r\n');
    const r = candlestream(
      'backfill',
      '--source',
      'SOLUSDT_1m.csv',
      '--intervals',
      '1m',
      '--sink',
      'jsonl:sol.jsonl',
      '--fresh',
      '--state-dir',
      'sol-state',
    );
    expect(r.stderr).toMatch(/dead letters: none/);
    expect(r.code).toBe(0);
    const rows = (await readFile(join(dir, 'sol.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((x) => [x.symbol, x.ts, x.close])).toEqual(Array.from({ length: 5 }, (_, i) => ['SOL-USDT', T0 + i * 60_000, 10.5]));
  });

  it('stops with exit 1 on a corrupt Parquet file, naming it', async () => {
    await writeFile(join(dir, 'BTCUSDT_1m.parquet'), 'PAR1 this is not parquet');
    const r = candlestream('backfill', '--source', 'BTCUSDT_1m.parquet', '--sink', '-');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/BTCUSDT_1m\.parquet: not a readable Parquet file/);
  });

  it.each([
    [['--source', 'x.csv', '--sink', '-', '--intervals', '1m,7m'], /--intervals: unknown interval "7m"/],
    [['--source', 'x.csv', '--sink', '-', '--partitions', '0'], /--partitions must be a whole number from 1 to 256/],
    [
      ['--source', 'x.csv', '--sink', '-', '--partitions', '1e9'],
      /--partitions must be a whole number from 1 to 256 \(each partition is a task.*not "1e9"/,
    ],
    [
      ['--source', 'x.csv', '--sink', '-', '--commit-every', '1e9'],
      /--commit-every must be a whole number from 1 to 10000000 \(.*memory.*not "1e9"/,
    ],
    [['--source', 'x.csv', '--sink', '-', '--from', '2024-02-01', '--to', '2024-01-01'], /--from 2024-02-01 is not before --to 2024-01-01/],
    [['--source', 'x.csv', '--sink', '-', '--from', '2024-01-01', '--to', '1704067200'], /--from 2024-01-01 is not before --to 1704067200/],
    [['--source', 'x.csv', '--sink', 'hdfs:/nope'], /--sink: cannot write to "hdfs:\/nope"/],
    [['--source', 'x.csv', '--sink', '-', '--bogus'], /unknown flag --bogus/],
    [['--sink', '-'], /--source is required/],
    [['--source', 'x.csv', '--sink', '-', '--from', 'soon'], /--from: cannot read "soon"/],
    [['--source', 'x.csv', '--sink', '-', '--periods', 'sma=14;rsi=2.5'], /--periods: "rsi=2.5" needs 1 whole number/],
    [['--source', 'x.csv', '--sink', '-', '--periods', 'kama=10'], /--periods: "kama=10" names no indicator/],
    [['--source', 'x.csv', '--sink', '-', '--periods', 'stoch=14,3'], /--periods: "stoch=14,3" needs 3 whole numbers/],
  ])('stops with exit 2 and names the bad setting: %j', (args, message) => {
    const r = candlestream('backfill', ...args);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });

  it('has a --help that lists every option it accepts', async () => {
    const r = candlestream('backfill', '--help');
    expect(r.code).toBe(0);
    const { BACKFILL_FLAGS } = await import('../../cli/backfillCommand.ts');
    for (const flag of Object.keys(BACKFILL_FLAGS)) expect(r.stdout).toContain(`--${flag}`);
  });
});

describe('the backfill summary', () => {
  it('counts features and signals apart, and is all a run writes on stderr when that is not a terminal', async () => {
    const candles = Array.from({ length: 30 }, (_, i) => [T0 + i * 60_000, 100 + (i % 7), 110, 90, 100 + (i % 5), 2].join(','));
    await writeFile(join(dir, 'ETHUSDT-1m-2024-01.csv'), ['open_time,open,high,low,close,volume', ...candles].join('\n') + '\n');
    const r = candlestream(
      'backfill',
      '--source',
      'ETHUSDT-1m-2024-01.csv',
      '--intervals',
      '1m,5m',
      '--sink',
      'jsonl:summary-features.jsonl',
      '--signals',
      'jsonl:summary-signals.jsonl',
      '--signal-intervals',
      '1m,5m',
      '--state-dir',
      'summary-state',
      '--fresh',
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = async (file: string) => (await readFile(join(dir, file), 'utf8')).trim().split('\n').length;
    const [features, signals] = [await lines('summary-features.jsonl'), await lines('summary-signals.jsonl')];
    expect([features, signals]).toEqual([36, 36]); // 30 1m candles and 6 5m ones, a signal for each
    expect(r.stderr.split('\n')).toHaveLength(2); // one line, and its newline
    expect(r.stderr).toMatch(new RegExp(`^backfill: 30 records in, ${features} features out, ${signals} signals out in `));
  });
});

describe('candlestream show', () => {
  it('summarises a features output per interval and symbol', () => {
    const r = candlestream('show', 'out.jsonl', '--rows', '1', '--columns', 'close,sma_14');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^72 feature rows in out\.jsonl$/m);
    expect(r.stdout).toMatch(/BTC-USD\s+5m\s+6 rows/);
    expect(r.stdout).toContain('sma_14');
    expect(r.stdout).not.toContain('rsi_14');
  });
});

describe('candlestream describe', () => {
  it('prints the topology as text and Mermaid', () => {
    const r = candlestream('describe', '--external', 'fear_greed=x.csv');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Processor: indicators (stores: [indicator-state])');
    expect(r.stdout).toContain('writes: ext_fear_greed');
    expect(r.stdout).toContain('```mermaid\nflowchart LR');
    expect(r.stdout).toContain('candles --> indicators');
  });
});
