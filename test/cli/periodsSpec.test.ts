import { describe, expect, it } from 'vitest';
import { periodsSpec } from '../../cli/periodsSpec.ts';
import { UsageError } from '../../cli/UsageError.ts';
import { indicatorColumns } from '../../processors/indicators/IndicatorSet.ts';
import { DEFAULT_PERIODS, INDICATORS } from '../../processors/indicators/registry.ts';

describe('--periods', () => {
  it('without a spec gives the defaults: the shared convention’s columns', () => {
    expect(periodsSpec(undefined)).toEqual(DEFAULT_PERIODS);
    expect(indicatorColumns(periodsSpec(''))).toEqual(indicatorColumns(DEFAULT_PERIODS));
  });

  it('overrides only the indicators it names, and the columns follow', () => {
    const periods = periodsSpec('sma=20,100; rsi=7;macd=5,13,4;bb=10,1.5;atr=7');
    const bb = { period: 10, deviations: 1.5 };
    expect(periods).toEqual({ ...DEFAULT_PERIODS, sma: [20, 100], rsi: { period: 7, smoothing: 'wilder' }, macd: [5, 13, 4], bb, atr: 7 });
    expect(indicatorColumns(periods)).toEqual([
      'sma_20',
      'sma_100',
      'ema_12',
      'ema_26',
      'rsi_7',
      'macd',
      'macd_signal',
      'macd_hist',
      'bb_upper',
      'bb_middle',
      'bb_lower',
      'vwap',
      'atr_7',
    ]);
  });

  it.each([
    ['sma=5,5', /"sma=5,5" needs distinct whole numbers/],
    ['ema=2.5', /"ema=2.5" needs distinct whole numbers/],
    ['rsi=2.5', /"rsi=2.5" needs 1 whole number$/],
    ['atr=7,8', /"atr=7,8" needs 1 whole number$/],
    ['macd=5,13', /"macd=5,13" needs 3 whole numbers/],
    ['bb=2.5,2', /"bb=2.5,2" needs a whole period and a number of deviations/],
    ['sma', /"sma" needs positive numbers after =/],
    ['sma=0', /"sma=0" needs positive numbers after =/],
    ['rsi=x', /"rsi=x" needs positive numbers after =/],
    ['vwap=3', /"vwap=3" names no indicator/],
  ])('"%s" stops start-up with a message naming the flag', (spec, message) => {
    expect(() => periodsSpec(spec)).toThrow(UsageError);
    expect(() => periodsSpec(spec)).toThrow(new RegExp(`^--periods: ${message.source}`));
  });

  it('lists the indicators it knows, from the registry, when a part names none', () => {
    const configurable = INDICATORS.filter((d) => d.parse).map((d) => d.name);
    expect(configurable).toContain('sma');
    expect(() => periodsSpec('kama=10')).toThrow(`--periods: "kama=10" names no indicator (${configurable.join(', ')})`);
  });
});
