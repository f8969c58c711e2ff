import { describe, expect, it } from 'vitest';
import { BollingerBands } from '../../../processors/indicators/BollingerBands.ts';
import { expectMatches, loadCandles, splitRun, ta } from './reference.ts';

describe('BollingerBands', () => {
  for (const file of ['BTCUSDT', 'BTCUSDC'] as const) {
    it.each([
      [20, 2],
      [10, 1.5],
    ])(`equals TA-Lib BBANDS(%i, %f) on ${file}`, (period, k) => {
      const { close } = loadCandles(file);
      const bb = new BollingerBands(period, k);
      const got = close.map((c) => bb.update(c));
      const ref = ta('BBANDS', { inReal: close }, { optInTimePeriod: period, optInNbDevUp: k, optInNbDevDn: k, optInMAType: 0 });
      expectMatches(
        got.map((v) => v?.upper ?? null),
        ref.outRealUpperBand,
        'bb_upper',
      );
      expectMatches(
        got.map((v) => v?.middle ?? null),
        ref.outRealMiddleBand,
        'bb_middle',
      );
      expectMatches(
        got.map((v) => v?.lower ?? null),
        ref.outRealLowerBand,
        'bb_lower',
      );
    });
  }

  it('continues identically from a snapshot', () => {
    const { close } = loadCandles('BTCUSDT');
    const whole = new BollingerBands();
    const expected = close.map((c) => whole.update(c));
    expect(
      splitRun(close.length, 777, (saved) => {
        const b = new BollingerBands(20, 2, saved as never);
        return { update: (i: number) => b.update(close[i]), snapshot: () => b.snapshot() };
      }),
    ).toEqual(expected);
  });

  it('refuses bad arguments', () => {
    expect(() => new BollingerBands(0)).toThrow(/Bollinger period/);
    expect(() => new BollingerBands(20, -1)).toThrow(/deviations/);
  });
});
