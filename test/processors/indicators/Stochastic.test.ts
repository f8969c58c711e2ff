import { describe, expect, it } from 'vitest';
import { Stochastic } from '../../../processors/indicators/Stochastic.ts';
import { expectMatches, loadCandles, splitRun, ta } from './reference.ts';

/** TA-Lib's STOCH with simple moving averages for both smoothings (MA type 0). */
function taStoch(high: number[], low: number[], close: number[], fastK: number, slowK: number, slowD: number) {
  const periods = { optInFastK_Period: fastK, optInSlowK_Period: slowK, optInSlowD_Period: slowD };
  return ta('STOCH', { high, low, close }, { ...periods, optInSlowK_MAType: 0, optInSlowD_MAType: 0 });
}

function run(high: number[], low: number[], close: number[], fastK: number, slowK: number, slowD: number) {
  const stochastic = new Stochastic(fastK, slowK, slowD);
  const got = close.map((c, i) => stochastic.update(high[i], low[i], c));
  return { k: got.map((v) => v?.k ?? null), d: got.map((v) => v?.d ?? null) };
}

describe('Stochastic', () => {
  for (const file of ['BTCUSDT', 'BTCUSDC'] as const) {
    const periods = [
      [14, 3, 3],
      [5, 3, 3],
      [14, 1, 1],
      [3, 5, 2],
      [50, 10, 7],
    ];
    it.each(periods)(`equals TA-Lib STOCH(%i,%i,%i) on ${file}`, (fastK, slowK, slowD) => {
      const { high, low, close } = loadCandles(file);
      const got = run(high, low, close, fastK, slowK, slowD);
      const ref = taStoch(high, low, close, fastK, slowK, slowD);
      // Null exactly through TA-Lib's lookback, (fastK − 1) + (slowK − 1) + (slowD − 1).
      expect(ref.outSlowK.findIndex((v) => v !== null)).toBe(fastK + slowK + slowD - 3);
      expectMatches(got.k, ref.outSlowK, 'stoch_k');
      expectMatches(got.d, ref.outSlowD, 'stoch_d');
    });
  }

  it('gives 0, as TA-Lib does, where the highest high equals the lowest low', () => {
    // A flat stretch longer than fastK inside real candles: the range is exactly 0 there.
    const { high, low, close } = loadCandles('BTCUSDT');
    const n = 300;
    const [h, l, c] = [high.slice(0, n), low.slice(0, n), close.slice(0, n)];
    for (let i = 100; i < 140; i++) h[i] = l[i] = c[i] = 22_000;
    const got = run(h, l, c, 14, 3, 3);
    const ref = taStoch(h, l, c, 14, 3, 3);
    // Without the zero-range rule, 0 / 0 would give NaN there.
    expect(Math.abs(ref.outSlowD[139]!)).toBeLessThan(1e-9);
    expectMatches(got.k, ref.outSlowK, 'stoch_k');
    expectMatches(got.d, ref.outSlowD, 'stoch_d');
  });

  it('continues identically from a snapshot, in the lookback and after it', () => {
    const { high, low, close } = loadCandles('BTCUSDC');
    const whole = new Stochastic(14, 3, 3);
    const expected = close.map((c, i) => whole.update(high[i], low[i], c));
    for (const split of [5, 14, 16, 17, 5000]) {
      const resumed = splitRun(close.length, split, (saved) => {
        const s = new Stochastic(14, 3, 3, saved as never);
        return { update: (i: number) => s.update(high[i], low[i], close[i]), snapshot: () => s.snapshot() };
      });
      expect(resumed, `split at ${split}`).toEqual(expected);
    }
  });

  it('refuses bad periods', () => {
    expect(() => new Stochastic(0, 3, 3)).toThrow(/fast %K period/);
    expect(() => new Stochastic(14, 1.5, 3)).toThrow(/slow %K period/);
    expect(() => new Stochastic(14, 3, -1)).toThrow(/slow %D period/);
  });
});
