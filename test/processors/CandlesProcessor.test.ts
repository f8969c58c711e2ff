import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../topology/TopologyTestDriver.ts';
import { buildMarketTopology, defaultMarketOptions } from '../../processors/marketTopology.ts';
import { candle, marketDriver, MIN, T0 } from './marketDriver.ts';

const rows = (values: Record<string, unknown>[]) => values.map((f) => [f.interval, f.ts, f.open, f.high, f.low, f.close, f.volume]);

describe('Candles', () => {
  it('after a restart, closes the windows it restored as soon as stream time passes them, as without the restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-candles-'));
    const options = defaultMarketOptions({
      candles: { intervals: ['1m'], graceMs: 0 },
      clean: { fillGaps: false, maxGapMs: 0, maxPriceMove: 10 },
    });
    const open = () => TopologyTestDriver.create(buildMarketTopology(options), { partitions: 1, stateDir: dir });
    const pipe = (driver: TopologyTestDriver, minute: number) =>
      driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 + minute * MIN, 10 + minute), T0 + minute * MIN);
    const closed = (driver: TopologyTestDriver) => driver.readValues('features').map((f) => ((f.ts as number) - T0) / MIN);
    const before = await open();
    for (const m of [0, 1, 2]) pipe(before, m);
    expect(closed(before)).toEqual([0, 1]);
    await before.commit('1');
    await before.close();
    const after = await open();
    for (const task of after.tasks) task.restoreStreamTime(T0 + 2 * MIN);
    pipe(after, 3); // closes minute 2, restored from the store
    expect(closed(after)).toEqual([2]);
    await after.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('rolls 1m candles into 5m windows, each emitted once when it closes, in order', async () => {
    const driver = await marketDriver({
      candles: { intervals: ['5m', '1m'], graceMs: 0 },
      clean: { fillGaps: false, maxGapMs: 0, maxPriceMove: 10 },
    });
    const closes = [10, 12, 8, 11, 9, 20];
    closes.forEach((c, i) => driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 + i * MIN, c, { volume: i + 1 }), T0 + i * MIN));
    expect(rows(driver.readValues('features')).filter((r) => r[0] === '5m')).toEqual([['5m', T0, 10, 13, 7, 9, 15]]);
    driver.advanceStreamTime(Infinity);
    const all = rows(driver.readValues('features'));
    expect(all.filter((r) => r[0] === '5m')).toEqual([['5m', T0 + 5 * MIN, 20, 21, 19, 20, 6]]);
    await driver.close();
  });

  it('starts 1d windows at 00:00 UTC and 1h windows on the hour', async () => {
    const driver = await marketDriver({
      candles: { intervals: ['1h', '1d'], graceMs: 0 },
      clean: { fillGaps: false, maxGapMs: 0, maxPriceMove: 10 },
    });
    for (const ts of [T0 - 30 * MIN, T0 + 23 * 60 * MIN + 59 * MIN, T0 + 24 * 60 * MIN])
      driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', ts, 10), ts);
    driver.advanceStreamTime(Infinity);
    const out = driver.readValues('features').map((f) => [f.interval, new Date(f.ts as number).toISOString()]);
    expect(out.filter((r) => r[0] === '1d')).toEqual([
      ['1d', '2023-02-28T00:00:00.000Z'],
      ['1d', '2023-03-01T00:00:00.000Z'],
      ['1d', '2023-03-02T00:00:00.000Z'],
    ]);
    expect(out.filter((r) => r[0] === '1h').map((r) => r[1])).toEqual([
      '2023-02-28T23:00:00.000Z',
      '2023-03-01T23:00:00.000Z',
      '2023-03-02T00:00:00.000Z',
    ]);
    await driver.close();
  });

  it('lets a late candle within the grace update its window; a later one goes to the dead-letter output', async () => {
    const driver = await marketDriver({
      candles: { intervals: ['5m'], graceMs: 2 * MIN },
      clean: { fillGaps: false, maxGapMs: 0, maxPriceMove: 10 },
    });
    driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0, 10), T0);
    driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 + 5 * MIN, 10), T0 + 5 * MIN);
    driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 + 4 * MIN, 30), T0 + 4 * MIN); // late, within grace
    driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 + 7 * MIN, 10), T0 + 7 * MIN); // closes [0, 5m)
    driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 + 3 * MIN, 99), T0 + 3 * MIN); // too late
    expect(rows(driver.readValues('features'))).toEqual([['5m', T0, 10, 31, 9, 30, 2]]);
    expect(driver.readDeadLetters()).toMatchObject([{ reason: 'late:5m', processor: 'candles' }]);
    await driver.close();
  });

  it('rolls trades into 1m candles', async () => {
    const driver = await marketDriver({ candles: { intervals: ['1m'], graceMs: 0 } });
    const trades = [
      [T0 + 1000, 10, 1],
      [T0 + 20_000, 12, 2],
      [T0 + 59_000, 11, 0.5],
      [T0 + MIN, 9, 1],
    ];
    for (const [ts, price, qty] of trades)
      driver.pipeInput('prices', 'BTC-USDT', { symbol: 'BTCUSDT', T: ts, p: String(price), q: String(qty) }, ts);
    driver.advanceStreamTime(Infinity);
    expect(rows(driver.readValues('features'))).toEqual([
      ['1m', T0, 10, 12, 10, 11, 3.5],
      ['1m', T0 + MIN, 9, 9, 9, 9, 1],
    ]);
    await driver.close();
  });
});
