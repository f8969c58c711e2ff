import { describe, expect, it } from 'vitest';
import { Macd } from '../../../processors/indicators/Macd.ts';
import { expectMatches, loadCandles, splitRun, ta } from './reference.ts';

describe('Macd', () => {
  for (const file of ['BTCUSDT', 'BTCUSDC'] as const) {
    it.each([
      [12, 26, 9],
      [5, 13, 4],
      [26, 12, 9],
    ])(`equals TA-Lib MACD(%i,%i,%i) on ${file}`, (fast, slow, signal) => {
      const { close } = loadCandles(file);
      const macd = new Macd(fast, slow, signal);
      const got = close.map((c) => macd.update(c));
      const ref = ta('MACD', { inReal: close }, { optInFastPeriod: fast, optInSlowPeriod: slow, optInSignalPeriod: signal });
      expectMatches(
        got.map((v) => v?.macd ?? null),
        ref.outMACD,
        'macd',
      );
      expectMatches(
        got.map((v) => v?.signal ?? null),
        ref.outMACDSignal,
        'macd_signal',
      );
      expectMatches(
        got.map((v) => v?.hist ?? null),
        ref.outMACDHist,
        'macd_hist',
      );
    });
  }

  it('continues identically from a snapshot taken in the lookback', () => {
    const { close } = loadCandles('BTCUSDT');
    const whole = new Macd();
    const expected = close.map((c) => whole.update(c));
    for (const split of [10, 30, 5000]) {
      expect(
        splitRun(close.length, split, (saved) => {
          const m = new Macd(12, 26, 9, saved as never);
          return { update: (i: number) => m.update(close[i]), snapshot: () => m.snapshot() };
        }),
      ).toEqual(expected);
    }
  });

  it('refuses bad periods', () => expect(() => new Macd(12, 0, 9)).toThrow(/MACD slow period/));
});
