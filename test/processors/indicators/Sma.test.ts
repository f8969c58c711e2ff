import { describe, expect, it } from 'vitest';
import { Sma } from '../../../processors/indicators/Sma.ts';
import { expectMatches, loadCandles, splitRun, ta } from './reference.ts';

describe('Sma', () => {
  for (const file of ['BTCUSDT', 'BTCUSDC'] as const) {
    it.each([14, 50, 5, 2])(`equals TA-Lib SMA(%i) on ${file}`, (period) => {
      const { close } = loadCandles(file);
      const sma = new Sma(period);
      expectMatches(
        close.map((c) => sma.update(c)),
        ta('SMA', { inReal: close }, { optInTimePeriod: period }).outReal,
        `SMA(${period})`,
      );
    });
  }

  it('continues identically from a snapshot', () => {
    const { close } = loadCandles('BTCUSDT');
    const whole = new Sma(50);
    const expected = close.map((c) => whole.update(c));
    expect(
      splitRun(close.length, 12_345, (saved) => {
        const s = new Sma(50, saved as never);
        return { update: (i: number) => s.update(close[i]), snapshot: () => s.snapshot() };
      }),
    ).toEqual(expected);
  });

  it('refuses a bad period, naming it', () => {
    expect(() => new Sma(0)).toThrow(/SMA period/);
    expect(() => new Sma(2.5)).toThrow(/SMA period/);
  });
});
