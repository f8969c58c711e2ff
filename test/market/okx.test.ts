import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { marketDriver, MIN, T0 } from '../processors/marketDriver.ts';
import { priceEventTime } from '../../market/exchanges/eventTime.ts';
import { priceKey, priceKeyRejection } from '../../market/exchanges/priceKey.ts';
import { fileNameHints } from '../../market/exchanges/fileNameHints.ts';
import { flattenExchangeMessage } from '../../market/exchanges/flattenExchangeMessage.ts';
import { candleFileInputs } from '../../backfill/candleFileInput.ts';
import { importExports } from '../../landing/import/importRun.ts';
import { JsonlWriter } from '../../io/JsonlWriter.ts';
import { makeZip } from '../landing/import/makeZip.ts';

const only1m = { candles: { intervals: ['1m'], graceMs: 0 } };
/** An OKX candle array: ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm. */
const bar = (ts: number, close: number, confirm = '1') => [ts, close, close + 1, close - 1, close, 2, 0, 0].map(String).concat(confirm);
const ws = (instId: string, data: unknown[], channel = 'candle1m') => ({ arg: { channel, instId }, data });

/** Messages through the market topology, as the live service and a replay read them: features out, dead-letter reasons. */
async function clean(messages: unknown[], headers: Record<string, string> = {}) {
  const driver = await marketDriver(only1m);
  try {
    for (const m of messages) driver.pipeInput('prices', null, m, Number.isNaN(priceEventTime(m)) ? T0 : priceEventTime(m), headers);
    driver.advanceStreamTime(T0 + 60 * MIN);
    return {
      candles: driver.readValues('features').map((f) => ({ symbol: f.symbol, ts: f.ts, close: f.close, volume: f.volume })),
      reasons: driver.readDeadLetters().map((d) => d.reason),
    };
  } finally {
    await driver.close();
  }
}

describe('OKX stream messages', () => {
  it('a confirmed WebSocket candle is a candle of its minute, keyed by its pair, at its own time (ms)', async () => {
    const message = ws('BTC-USDT', [bar(T0, 100)]);
    expect(priceKey(message)).toBe('BTC-USDT');
    expect(priceEventTime(message)).toBe(T0);
    expect(flattenExchangeMessage(message)).toEqual([
      {
        ...{ symbol: 'BTC-USDT', exchange: 'okx', interval: '1m' },
        ...{ ts: String(T0), open: '100', high: '101', low: '99', close: '100', volume: '2' },
      },
    ]);
    expect(await clean([message])).toEqual({ candles: [{ symbol: 'BTC-USDT', ts: T0, close: 100, volume: 2 }], reasons: [] });
  });

  it('an unconfirmed candle (confirm "0") is kline_not_closed, as an open Binance kline; its confirmed push is the candle', async () => {
    expect(await clean([ws('BTC-USDT', [bar(T0, 100, '0')]), ws('BTC-USDT', [bar(T0, 101, '1')])])).toEqual({
      candles: [{ symbol: 'BTC-USDT', ts: T0, close: 101, volume: 2 }],
      reasons: ['kline_not_closed'],
    });
  });

  it('trades (px, sz) are one-trade candles rolled up into the minute', async () => {
    const trade = (px: string, sz: string, ts: number) => ({ instId: 'ETH-USDT', tradeId: '1', px, sz, side: 'buy', ts: String(ts) });
    const message = ws('ETH-USDT', [trade('20', '0.5', T0 + 1000), trade('22', '1.5', T0 + 2000)], 'trades');
    expect(await clean([message])).toEqual({ candles: [{ symbol: 'ETH-USDT', ts: T0, close: 22, volume: 2 }], reasons: [] });
  });

  it('a REST response (newest first) is read oldest first; the record names its symbol; its open candle is kline_not_closed', async () => {
    const rest = { code: '0', msg: '', data: [bar(T0 + 2 * MIN, 102, '0'), bar(T0 + MIN, 101), bar(T0, 100)] };
    expect(await clean([rest], { symbol: 'SOL-USDT', exchange: 'okx' })).toEqual({
      candles: [100, 101].map((close, i) => ({ symbol: 'SOL-USDT', ts: T0 + i * MIN, close, volume: 2 })),
      reasons: ['kline_not_closed'],
    });
    expect((await clean([rest])).reasons).toEqual(['missing_field:symbol', 'missing_field:symbol', 'kline_not_closed']);
  });

  it.each([
    ['a perpetual swap', ws('BTC-USDT-SWAP', [bar(T0, 100)]), ['bad_symbol:not_spot']],
    ['a dated future', ws('BTC-USD-250328', [bar(T0, 100)]), ['bad_symbol:not_spot']],
    ['a Hong Kong-aligned day bar', ws('BTC-USDT', [bar(T0, 100)], 'candle1D'), ['bad_interval:1D']],
    ['a channel that is not candles or trades', ws('BTC-USDT', [{ instId: 'BTC-USDT', last: '1' }], 'tickers'), ['unsupported_channel']],
    ['a push without data', ws('BTC-USDT', []), ['empty_message']],
    ['a candle that is not an array', ws('BTC-USDT', [42]), ['missing_field:ts']],
    ['a candle with a price missing', ws('BTC-USDT', [[String(T0), '1', '2', '0.5', '', '2', '0', '0', '1']]), ['missing_field:close']],
    ['a candle cut short (no confirm)', ws('BTC-USDT', [[String(T0), '1', '2', '0.5', '1']]), ['kline_not_closed']],
    ['a REST error', { code: '51001', msg: 'Instrument ID does not exist', data: [] }, ['error_response']],
    ['a REST response without candles', { code: '0', msg: '', data: [] }, ['empty_message']],
  ])('%s is rejected with its reason', async (_name, message, reasons) => {
    expect(await clean([message], {})).toEqual({ candles: [], reasons });
  });

  it('the live path names why a derivative has no key, in the same words', () => {
    const swap = ws('BTC-USDT-SWAP', [bar(T0, 100)]);
    expect([priceKey(swap), priceKeyRejection(swap)]).toEqual([null, 'bad_symbol:not_spot']);
  });

  it('bars of an hour that divides 8 (1H, 2H, 4H) and UTC bars are read; 5m and 1Dutc map to ours', async () => {
    const read = async (channel: string) => {
      const driver = await marketDriver({ candles: { intervals: ['1m'], graceMs: 0 } });
      try {
        driver.pipeInput('prices', null, ws('BTC-USDT', [bar(T0, 100)], channel), T0);
        return [driver.readDeadLetters().map((d) => d.reason), driver.readValues('features').map((f) => f.interval)];
      } finally {
        await driver.close();
      }
    };
    for (const [channel, interval] of [
      ['candle5m', '5m'],
      ['candle4H', '4h'],
      ['candle6Hutc', '6h'],
      ['candle1Dutc', '1d'],
    ]) {
      const [reasons] = await read(channel);
      expect(reasons, `${channel} → ${interval}`).toEqual([]);
    }
    expect((await read('candle6H'))[0]).toEqual(['bad_interval:6H']);
  });
});

describe('OKX history files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-okx-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const HEADER = 'instrument_name,open,high,low,close,vol,vol_ccy,vol_quote,open_time,confirm';
  const line = (inst: string, ts: number, close: number) => `${inst},${close},${close + 1},${close - 1},${close},2,${2 * close},0,${ts},1`;
  const csv = [HEADER, line('BTC-USDT', T0, 100), line('BTC-USDT', T0 + MIN, 101), line('BTC-USDT-SWAP', T0 + MIN, 9), ''].join('\n');

  it('the download names (BTC-USDT-candlesticks-2024-01.zip, and its daily files) give exchange, symbol and 1m', () => {
    expect(fileNameHints('BTC-USDT-candlesticks-2024-01.zip')).toEqual({ exchange: 'okx', symbol: 'BTC-USDT', interval: '1m' });
    expect(fileNameHints('data/ETH-USDT-candlesticks-2024-01-15.csv')).toEqual({ exchange: 'okx', symbol: 'ETH-USDT', interval: '1m' });
    expect(fileNameHints('okx_BTCUSDT_5m.csv')).toEqual({ exchange: 'okx', symbol: 'BTCUSDT', interval: '5m' });
  });

  it('import lands a zipped OKX CSV as its rows (ms times, vol as volume), and rejects the swap row with its reason', async () => {
    const zip = join(dir, 'BTC-USDT-candlesticks-2023-03.zip');
    await writeFile(zip, makeZip([{ name: 'BTC-USDT-candlesticks-2023-03.csv', data: csv }]));
    const out = join(dir, 'landed');
    const deadLetterPath = join(dir, 'dead.jsonl');
    const deadLetter = new JsonlWriter(deadLetterPath);
    await deadLetter.resume(undefined);
    const summary = await importExports({ sources: [zip], out, defaults: {}, from: -Infinity, to: Infinity, onError: 'fail', deadLetter });
    await deadLetter.close();
    expect([summary.written, summary.rejected.size]).toEqual([2, 1]);
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const parquet = `read_parquet('${out}/**/*.parquet', hive_partitioning = true)`;
    // ts is a TIMESTAMP(MILLIS, UTC): read back as epoch ms.
    const query = `SELECT symbol, epoch_ms(ts) AS ts, close, volume, exchange, interval FROM ${parquet} ORDER BY ts`;
    const rows = (await con.runAndReadAll(query)).getRowObjects();
    con.closeSync();
    expect(rows.map((r) => ({ ...r, ts: Number(r.ts) }))).toEqual([
      { symbol: 'BTC-USDT', ts: T0, close: 100, volume: 2, exchange: 'okx', interval: '1m' },
      { symbol: 'BTC-USDT', ts: T0 + MIN, close: 101, volume: 2, exchange: 'okx', interval: '1m' },
    ]);
    const dead = (await readFile(deadLetterPath, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(dead.map((d) => d.reason)).toEqual(['bad_symbol:not_spot']);
  });

  it('backfill reads an OKX CSV keyed by instrument_name, with the exchange and interval its name gives', async () => {
    const file = join(dir, 'BTC-USDT-candlesticks-2023-03-01.csv');
    await writeFile(file, csv);
    const [input] = await candleFileInputs([file], { from: -Infinity, to: Infinity, source: 'prices' });
    const records = [];
    for await (const batch of input.batches()) records.push(...batch);
    expect(records.map((r) => [r.key, r.timestamp])).toEqual([
      ['BTC-USDT', T0],
      ['BTC-USDT', T0 + MIN],
      ['BTC-USDT-SWAP', T0 + MIN],
    ]);
    expect(records[0].headers).toEqual({ symbol: 'BTC-USDT', exchange: 'okx', interval: '1m' });
    const driver = await marketDriver(only1m);
    for (const r of records) driver.pipeInput('prices', r.key, r.value, r.timestamp, r.headers);
    driver.advanceStreamTime(T0 + 60 * MIN);
    expect(driver.readValues('features').map((f) => [f.symbol, f.ts, f.close])).toEqual([
      ['BTC-USDT', T0, 100],
      ['BTC-USDT', T0 + MIN, 101],
    ]);
    expect(driver.readDeadLetters().map((d) => d.reason)).toEqual(['bad_symbol:not_spot']);
    await driver.close();
  });
});
