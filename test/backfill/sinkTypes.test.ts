import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

const root = new URL('../../', import.meta.url).pathname;
const cli = join(root, 'cli/candlestream.ts');
const model = join(root, 'test/fixtures/models/sklearn-logreg-tensor');
const external = join(root, 'data/external/fear_and_greed_index_daily.csv');
let dir: string;
let con: DuckDBConnection;

/** The first 400 minutes of the sample data: enough for every indicator's lookback and a few hundred signals. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-sink-types-'));
  const lines = (await readFile(join(root, 'data/candles/binance_BTCUSDT_1m_2023-03-01_2023-03-21.csv'), 'utf8')).split('\n');
  await writeFile(join(dir, 'BTCUSDT_1m.csv'), lines.slice(0, 401).join('\n') + '\n');
  con = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(async () => {
  con?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

function backfill(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    [cli, 'backfill', '--source', 'BTCUSDT_1m.csv', '--external', external, '--intervals', '1m,5m', '--quiet', ...args],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

const parquet = (name: string) => `read_parquet('${join(dir, name)}/**/*.parquet', hive_partitioning = true)`;
const jsonl = (name: string) => `read_json_auto('${join(dir, name)}')`;

/** Column name → DuckDB type of what a relation reads. */
async function types(relation: string): Promise<Record<string, string>> {
  const rows = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`)).getRowObjectsJson();
  return Object.fromEntries(rows.map((r) => [String(r.column_name), String(r.column_type)]));
}

async function rows(relation: string, columns: string[]) {
  // As the expected type, so that a JSON column inferred as BIGINT compares with a Parquet DOUBLE; a
  // Parquet times (TIMESTAMPs) as epoch ms, as JSON has them.
  const time = (c: string) => (relation.startsWith('read_parquet') ? `epoch_ms("${c}")` : `"${c}"::BIGINT`);
  const list = columns.map((c) => (times.has(c) ? `${time(c)} AS "${c}"` : `"${c}"::${expectedType(c)} AS "${c}"`)).join(', ');
  return (await con.runAndReadAll(`SELECT ${list} FROM ${relation} ORDER BY "interval", symbol, ts`)).getRowObjectsJson();
}

const features = [
  'symbol',
  'interval',
  'ts',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'sma_14',
  'sma_50',
  'ema_12',
  'ema_26',
  'rsi_14',
  'macd',
  'macd_signal',
  'macd_hist',
  'bb_upper',
  'bb_middle',
  'bb_lower',
  'vwap',
  'atr_14',
  'ext_fear_greed',
];
const signals = ['symbol', 'interval', 'ts', 'close_ts', 'close', 'p_up', 'signal', 'model', 'model_version'];
const text = new Set(['symbol', 'interval', 'signal', 'model', 'model_version']);
const times = new Set(['ts', 'close_ts']);
const expectedType = (column: string) => (text.has(column) ? 'VARCHAR' : times.has(column) ? 'BIGINT' : 'DOUBLE');

describe('every sink, read back by DuckDB, has the right column types and every value', () => {
  it.each([
    ['an ONNX model', ['--model', model]],
    ['the rule', []],
  ])('features and signals scored by %s', async (name, scoring) => {
    const tag = name === 'the rule' ? 'rule' : 'model';
    backfill(
      '--sink',
      `parquet:${tag}-features`,
      '--signals',
      `parquet:${tag}-signals`,
      ...scoring,
      '--state-dir',
      `${tag}-pq-state`,
      '--dead-letter',
      `jsonl:${tag}-dl1.jsonl`,
    );
    backfill(
      '--sink',
      `jsonl:${tag}-features.jsonl`,
      '--signals',
      `jsonl:${tag}-signals.jsonl`,
      ...scoring,
      '--state-dir',
      `${tag}-js-state`,
      '--dead-letter',
      `jsonl:${tag}-dl2.jsonl`,
    );

    // In Parquet times are TIMESTAMPs (millisecond, UTC), and the layout adds the day partition (interval=…/date=…/), a DATE.
    const withDay = (columns: string[]) => ({
      ...Object.fromEntries(columns.map((c) => [c, times.has(c) ? 'TIMESTAMP WITH TIME ZONE' : expectedType(c)])),
      date: 'DATE',
    });
    expect(await types(parquet(`${tag}-features`))).toEqual(withDay(features));
    expect(await types(parquet(`${tag}-signals`))).toEqual(withDay(signals));
    // JSON has no column types: DuckDB infers them from the values, so a value of the wrong kind shows
    // (a double column whose values are all whole, like a daily index, is inferred as BIGINT).
    const fromJson = (type: string) => (type === 'BIGINT' ? 'DOUBLE' : type);
    const jsonSignalTypes = await types(jsonl(`${tag}-signals.jsonl`));
    for (const c of signals)
      if (c !== 'p_up' || tag === 'model')
        expect([c, times.has(c) ? jsonSignalTypes[c] : fromJson(jsonSignalTypes[c])]).toEqual([c, expectedType(c)]);
    const jsonFeatureTypes = await types(jsonl(`${tag}-features.jsonl`));
    for (const c of features) expect([c, c === 'ts' ? jsonFeatureTypes[c] : fromJson(jsonFeatureTypes[c])]).toEqual([c, expectedType(c)]);

    // The same rows either way: no value lost or changed by the Parquet sink.
    const fromParquet = await rows(parquet(`${tag}-signals`), signals);
    expect(fromParquet.length).toBeGreaterThan(300);
    expect(fromParquet.every((r) => ['BUY', 'SELL', 'HOLD'].includes(String(r.signal)) && r.model && r.model_version)).toBe(true);
    expect(fromParquet).toEqual(await rows(jsonl(`${tag}-signals.jsonl`), signals));
    // close_ts is the candle's close: its open time plus the interval, by DuckDB's reading of "1m" as 1 minute.
    const closeTimes = `SELECT count(*) FILTER (WHERE epoch_ms(close_ts) - epoch_ms(ts) = 1000 * epoch(to_minutes(rtrim("interval", 'm')::INT))) AS "right", count(*) AS n FROM ${parquet(`${tag}-signals`)}`;
    const [{ right, n }] = (await con.runAndReadAll(closeTimes)).getRowObjectsJson();
    expect([right, Number(n)]).toEqual([n, fromParquet.length]);
    expect(await rows(parquet(`${tag}-features`), features)).toEqual(await rows(jsonl(`${tag}-features.jsonl`), features));
  });
});
