import { describe, expect, it } from 'vitest';
import { marketDriver, candle, MIN, T0 } from './marketDriver.ts';
import { RULE_MODEL } from '../../processors/SignalRuleProcessor.ts';
import type { FeatureRecord } from '../../market/Candle.ts';
import type { Signal } from '../../market/Signal.ts';

describe('Signals (the built-in rule)', () => {
  it('BUY on a positive MACD histogram below RSI 70, SELL on a negative one above 30, HOLD otherwise and during lookback', async () => {
    const driver = await marketDriver({ candles: { intervals: ['1m', '5m'], graceMs: 0 }, signalIntervals: ['1m'] });
    // Waves with a zig-zag on top: the histogram changes sign, RSI stays mostly between the bounds.
    const closes = Array.from({ length: 200 }, (_, i) => 100 + 5 * Math.sin(i / 12) + (i % 2) * 0.9);
    closes.forEach((c, i) => driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 + i * MIN, c), T0 + i * MIN));
    driver.advanceStreamTime(Infinity);
    const features = driver.readValues<FeatureRecord>('features').filter((f) => f.interval === '1m');
    const signals = driver.readValues<Signal>('signals');
    expect(signals).toHaveLength(features.length); // one per 1m candle, none for 5m
    signals.forEach((s, i) => {
      const f = features[i];
      const expected =
        f.macd_hist === null || f.rsi_14 === null
          ? 'HOLD'
          : (f.macd_hist as number) > 0 && (f.rsi_14 as number) < 70
            ? 'BUY'
            : (f.macd_hist as number) < 0 && (f.rsi_14 as number) > 30
              ? 'SELL'
              : 'HOLD';
      expect(s).toEqual({
        symbol: 'BTC-USDT',
        interval: '1m',
        ts: f.ts,
        close_ts: f.ts + MIN,
        close: f.close,
        p_up: null,
        signal: expected,
        model: RULE_MODEL,
        model_version: '1',
      });
    });
    const kinds = new Set(signals.map((s) => s.signal));
    expect(kinds).toEqual(new Set(['HOLD', 'BUY', 'SELL']));
    await driver.close();
  });

  it("close_ts is the candle window's end: a 5m signal's close is that of the last minute before close_ts", async () => {
    const driver = await marketDriver({ candles: { intervals: ['1m', '5m'], graceMs: 0 }, signalIntervals: ['5m'] });
    const closeAt = new Map<number, number>(); // 1m open time → its close, all distinct
    for (let i = 0; i < 60; i++) {
      closeAt.set(T0 + i * MIN, 100 + i);
      driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 + i * MIN, 100 + i), T0 + i * MIN);
    }
    driver.advanceStreamTime(Infinity);
    const signals = driver.readValues<Signal>('signals');
    expect(signals).toHaveLength(12);
    for (const s of signals) {
      expect(s.interval).toBe('5m');
      expect(s.close_ts).toBe(s.ts + 5 * MIN);
      expect(s.close).toBe(closeAt.get(s.close_ts - MIN)); // the last minute inside the window, not the next one
    }
    await driver.close();
  });
});
