import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TopologyTestDriver } from '../../../topology/TopologyTestDriver.ts';
import { buildMarketTopology, defaultMarketOptions } from '../../../processors/marketTopology.ts';
import { candle, marketDriver, MIN, T0 } from '../marketDriver.ts';

const only1m = { candles: { intervals: ['1m'], graceMs: 0 } };
/** A market around 100 that moves enough for every indicator to have something to say. */
const closes = Array.from({ length: 200 }, (_, i) => Math.round((100 + 10 * Math.sin(i / 5) + i / 20) * 100) / 100);

async function features(prices: [number, number][], clean = {}) {
  const driver = await marketDriver({ ...only1m, clean: { ...defaultMarketOptions().clean, ...clean } });
  for (const [ts, close] of prices) driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', ts, close), ts);
  driver.advanceStreamTime(Infinity);
  const out = { rows: driver.readValues('features'), reasons: driver.readDeadLetters().map((d) => d.reason) };
  await driver.close();
  return out;
}

const series = closes.map((c, i): [number, number] => [T0 + i * MIN, c]);
const withPriceAt = (i: number, close: number) => series.map(([ts, c], j): [number, number] => [ts, j === i ? close : c]);
const without = (i: number) => series.filter((_, j) => j !== i);

describe('Clean: one extreme price never reaches indicator state', () => {
  it.each([
    [1e20, 'out_of_range:open'],
    [1e200, 'out_of_range:open'],
    [1e6, 'price_outlier'],
    [5, 'price_outlier'],
  ])('a close of %s among closes of ~100 is dead-lettered as %s; features equal the series without it', async (extreme, reason) => {
    const poisoned = await features(withPriceAt(60, extreme));
    const clean = await features(without(60));
    expect(poisoned.reasons).toEqual([reason]);
    expect(clean.reasons).toEqual([]);
    expect(poisoned.rows).toEqual(clean.rows);
    const last = poisoned.rows.at(-1)!;
    expect(last.sma_50).toBeCloseTo(closes.slice(-50).reduce((a, b) => a + b) / 50, 9);
    expect(last.bb_lower).toBeGreaterThan(50);
  });

  it('lets a move within the factor through, and everything through when off', async () => {
    expect((await features(withPriceAt(60, 900))).reasons).toEqual([]);
    const off = await features(withPriceAt(60, 1e6), { maxPriceMove: Infinity });
    expect(off.reasons).toEqual([]);
    expect(off.rows[60].close).toBe(1e6);
  });

  it('re-anchors on a regime change: after 5 consecutive rejected prices that agree, the 5th and later are accepted', async () => {
    const regime = series.map(([ts, c], i): [number, number] => [ts, i < 100 ? c : c * 50]);
    const { rows, reasons } = await features(regime);
    expect(reasons).toEqual(Array(4).fill('price_outlier'));
    const accepted = rows.filter((r) => r.volume === 1).map((r) => r.ts);
    expect(accepted).toEqual(series.filter((_, i) => i < 100 || i >= 104).map(([ts]) => ts));
    expect(rows.at(-1)!.close).toBe(closes[199] * 50);
  });

  it('re-anchors when the first price of a symbol was the bad one', async () => {
    const { rows, reasons } = await features(withPriceAt(0, 1e6));
    expect(reasons).toEqual(Array(4).fill('price_outlier'));
    expect(rows.slice(5).every((r) => r.close === closes[rows.indexOf(r)])).toBe(true);
  });

  it('does not re-anchor on rejected prices that disagree with each other, nor on ones a good price interrupts', async () => {
    const wild = [1e6, 1e3, 1e6, 1e3, 1e6, 1e3, 1e6, 1e3];
    const interrupted = [1e6, 1e6, 1e6, 1e6, 100, 1e6, 1e6, 1e6, 1e6];
    for (const bad of [wild, interrupted]) {
      const prices = series.slice(0, 20).concat(bad.map((c, i) => [T0 + (20 + i) * MIN, c]));
      const { reasons } = await features(prices);
      expect(reasons).toEqual(bad.filter((c) => c !== 100).map(() => 'price_outlier'));
    }
  });

  it('keeps the last accepted close in a state store: a restart still rejects the outlier', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'price-guard-'));
    try {
      const topology = () => buildMarketTopology(defaultMarketOptions(only1m));
      const first = await TopologyTestDriver.create(topology(), { stateDir });
      first.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0, 100), T0);
      await first.commit('1');
      await first.close();
      const second = await TopologyTestDriver.create(topology(), { stateDir });
      second.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 + MIN, 1e6), T0 + MIN);
      expect(second.readDeadLetters().map((d) => d.reason)).toEqual(['price_outlier']);
      await second.close();
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
