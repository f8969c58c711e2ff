import { describe, expect, it } from 'vitest';
import { Atr } from '../../../processors/indicators/Atr.ts';
import { expectMatches, loadCandles, splitRun, ta } from './reference.ts';

describe('Atr', () => {
  for (const file of ['BTCUSDT', 'BTCUSDC'] as const) {
    it.each([14, 5])(`equals TA-Lib ATR(%i) on ${file}`, (period) => {
      const { high, low, close } = loadCandles(file);
      const atr = new Atr(period);
      expectMatches(
        close.map((c, i) => atr.update(high[i], low[i], c)),
        ta('ATR', { high, low, close }, { optInTimePeriod: period }).outReal,
        `ATR(${period})`,
      );
    });
  }

  it('continues identically from a snapshot', () => {
    const { high, low, close } = loadCandles('BTCUSDC');
    const whole = new Atr(14);
    const expected = close.map((c, i) => whole.update(high[i], low[i], c));
    expect(
      splitRun(close.length, 8, (saved) => {
        const a = new Atr(14, saved as never);
        return { update: (i: number) => a.update(high[i], low[i], close[i]), snapshot: () => a.snapshot() };
      }),
    ).toEqual(expected);
  });

  it('refuses a bad period', () => expect(() => new Atr(0)).toThrow(/ATR period/));
});
