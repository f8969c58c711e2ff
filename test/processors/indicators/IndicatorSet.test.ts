import { describe, expect, it } from 'vitest';
import { DEFAULT_PERIODS, IndicatorSet, indicatorColumns } from '../../../processors/indicators/IndicatorSet.ts';
import { loadCandles } from './reference.ts';

describe('IndicatorSet', () => {
  it('names its default columns as the shared convention does', () => {
    expect(indicatorColumns(DEFAULT_PERIODS)).toEqual([
      'sma_14', 'sma_50', 'ema_12', 'ema_26', 'rsi_14', 'macd', 'macd_signal', 'macd_hist',
      'bb_upper', 'bb_middle', 'bb_lower', 'vwap', 'atr_14',
    ]);
  });

  it('survives a JSON round trip of its state mid-stream, as the store does at commit', () => {
    const s = loadCandles('BTCUSDT');
    const candle = (i: number) => ({ symbol: 'BTC-USDT', exchange: 'binance', interval: '1m', ts: s.ts[i], open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i] });
    const whole = new IndicatorSet(DEFAULT_PERIODS);
    const expected = s.ts.map((_, i) => {
      const out: Record<string, unknown> = {};
      whole.update(candle(i), out);
      return out;
    });
    let set = new IndicatorSet(DEFAULT_PERIODS);
    const got = s.ts.map((_, i) => {
      if (i === 40 || i === 20_000) set = new IndicatorSet(DEFAULT_PERIODS, JSON.parse(JSON.stringify(set)));
      const out: Record<string, unknown> = {};
      set.update(candle(i), out);
      return out;
    });
    expect(got).toEqual(expected);
  });
});
