import { describe, expect, it } from 'vitest';
import { marketDriver, candle, MIN, T0 } from './marketDriver.ts';
import { RULE_MODEL } from '../../processors/SignalRuleProcessor.ts';

describe('Signals (the built-in rule)', () => {
  it('BUY on a positive MACD histogram below RSI 70, SELL on a negative one above 30, HOLD otherwise and during lookback', async () => {
    const driver = await marketDriver({ candles: { intervals: ['1m', '5m'], graceMs: 0 }, signalIntervals: ['1m'] });
    // Waves with a zig-zag on top: the histogram changes sign, RSI stays mostly between the bounds.
    const closes = Array.from({ length: 200 }, (_, i) => 100 + 5 * Math.sin(i / 12) + (i % 2) * 0.9);
    closes.forEach((c, i) => driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 + i * MIN, c), T0 + i * MIN));
    driver.advanceStreamTime(Infinity);
    const features = driver.readValues('features').filter((f) => f.interval === '1m');
    const signals = driver.readValues('signals');
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
});
