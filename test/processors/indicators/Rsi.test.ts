import { describe, expect, it } from 'vitest';
import { Rsi } from '../../../processors/indicators/Rsi.ts';
import { expectMatches, loadCandles, splitRun, ta } from './reference.ts';

/** The seed pipeline's RSI from its definition: plain means of the last n gains and losses. */
function simpleRsi(close: number[], n: number): (number | null)[] {
  return close.map((_, i) => {
    if (i < n) return null;
    let gain = 0;
    let loss = 0;
    for (let j = i - n + 1; j <= i; j++) {
      const d = close[j] - close[j - 1];
      if (d > 0) gain += d;
      else loss -= d;
    }
    return gain + loss < 1e-14 ? 0 : (100 * gain) / (gain + loss);
  });
}

describe('Rsi', () => {
  for (const file of ['BTCUSDT', 'BTCUSDC'] as const) {
    it.each([14, 7, 2])(`equals TA-Lib RSI(%i) on ${file}`, (period) => {
      const { close } = loadCandles(file);
      const rsi = new Rsi(period);
      expectMatches(
        close.map((c) => rsi.update(c)),
        ta('RSI', { inReal: close }, { optInTimePeriod: period }).outReal,
        `RSI(${period})`,
      );
    });
  }

  it('offers the simple-average RSI of the seed pipeline', () => {
    const { close } = loadCandles('BTCUSDT');
    const rsi = new Rsi(14, { smoothing: 'simple' });
    expectMatches(
      close.map((c) => rsi.update(c)),
      simpleRsi(close, 14),
      'simple RSI(14)',
    );
  });

  it('continues identically from a snapshot, in both forms', () => {
    const { close } = loadCandles('BTCUSDC');
    for (const smoothing of ['wilder', 'simple'] as const) {
      const whole = new Rsi(14, { smoothing });
      const expected = close.map((c) => whole.update(c));
      expect(
        splitRun(close.length, 9_999, (saved) => {
          const r = new Rsi(14, { smoothing }, saved as never);
          return { update: (i: number) => r.update(close[i]), snapshot: () => r.snapshot() };
        }),
      ).toEqual(expected);
    }
  });

  it('refuses a bad period or smoothing', () => {
    expect(() => new Rsi(0)).toThrow(/RSI period/);
    expect(() => new Rsi(14, { smoothing: 'ema' as never })).toThrow(/smoothing/);
  });
});
