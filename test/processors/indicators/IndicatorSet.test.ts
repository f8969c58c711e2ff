import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IndicatorSet, indicatorColumns } from '../../../processors/indicators/IndicatorSet.ts';
import { DEFAULT_PERIODS } from '../../../processors/indicators/registry.ts';
import { STOCH } from '../../../processors/indicators/Stochastic.ts';
import { loadCandles } from './reference.ts';

const s = loadCandles('BTCUSDT');
/** The i-th 1m candle of the real BTCUSDT data. */
const candle = (i: number) => ({
  symbol: 'BTC-USDT',
  exchange: 'binance',
  interval: '1m',
  ts: s.ts[i],
  open: s.open[i],
  high: s.high[i],
  low: s.low[i],
  close: s.close[i],
  volume: s.volume[i],
});

describe('IndicatorSet', () => {
  it('names its default columns as the shared convention does', () => {
    expect(indicatorColumns(DEFAULT_PERIODS)).toEqual([
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
    ]);
  });

  it.each([
    ['the default indicators', DEFAULT_PERIODS],
    ['the stochastic oscillator too', { ...DEFAULT_PERIODS, stoch: STOCH.defaults }],
  ])('survives a JSON round trip of its state mid-stream, as the store does at commit: %s', (_, periods) => {
    const whole = new IndicatorSet(periods);
    const expected = s.ts.map((_, i) => {
      const out: Record<string, unknown> = {};
      whole.update(candle(i), out);
      return out;
    });
    let set = new IndicatorSet(periods);
    const got = s.ts.map((_, i) => {
      if (i === 10 || i === 40 || i === 20_000) set = new IndicatorSet(periods, JSON.parse(JSON.stringify(set)));
      const out: Record<string, unknown> = {};
      set.update(candle(i), out);
      return out;
    });
    expect(got).toEqual(expected);
  });

  it('resumes from state a store holds from before the indicator registry, to the same values as a run that never stopped', () => {
    const fixture = new URL('../../fixtures/indicators/indicator-set-state-before-registry.json', import.meta.url);
    const { afterCandles, state } = JSON.parse(readFileSync(fixture, 'utf8'));
    const whole = new IndicatorSet(DEFAULT_PERIODS);
    for (let i = 0; i < afterCandles; i++) whole.update(candle(i), {});
    expect(JSON.parse(JSON.stringify(whole))).toEqual(state);
    const resumed = new IndicatorSet(DEFAULT_PERIODS, state);
    for (let i = afterCandles; i < s.ts.length; i++) {
      const [want, got]: Record<string, unknown>[] = [{}, {}];
      whole.update(candle(i), want);
      resumed.update(candle(i), got);
      if (JSON.stringify(got) !== JSON.stringify(want)) expect.fail(`candle ${i}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
    }
  });
});
