import { describe, expect, it } from 'vitest';
import { Ema } from '../../../processors/indicators/Ema.ts';
import { expectMatches, loadCandles, splitRun, ta } from './reference.ts';

describe('Ema', () => {
  for (const file of ['BTCUSDT', 'BTCUSDC'] as const) {
    it.each([12, 26, 3])(`equals TA-Lib EMA(%i) on ${file}`, (period) => {
      const { close } = loadCandles(file);
      const ema = new Ema(period);
      expectMatches(
        close.map((c) => ema.update(c)),
        ta('EMA', { inReal: close }, { optInTimePeriod: period }).outReal,
        `EMA(${period})`,
      );
    });
  }

  it('continues identically from a snapshot', () => {
    const { close } = loadCandles('BTCUSDC');
    const whole = new Ema(26);
    const expected = close.map((c) => whole.update(c));
    expect(
      splitRun(close.length, 20, (saved) => {
        const e = new Ema(26, saved as never);
        return { update: (i: number) => e.update(close[i]), snapshot: () => e.snapshot() };
      }),
    ).toEqual(expected);
  });

  it('refuses a bad period', () => expect(() => new Ema(-3)).toThrow(/EMA period/));
});
