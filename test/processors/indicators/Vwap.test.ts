import { describe, expect, it } from 'vitest';
import { Vwap } from '../../../processors/indicators/Vwap.ts';
import { expectMatches, loadCandles, splitRun } from './reference.ts';

/** Independent reference: group by UTC date string, cumulative sums with plain arrays. */
function dailyVwap(s: ReturnType<typeof loadCandles>): (number | null)[] {
  const out: (number | null)[] = [];
  let day = '';
  let pv = 0;
  let v = 0;
  for (let i = 0; i < s.ts.length; i++) {
    const d = new Date(s.ts[i]).toISOString().slice(0, 10);
    if (d !== day) [day, pv, v] = [d, 0, 0];
    pv += ((s.high[i] + s.low[i] + s.close[i]) / 3) * s.volume[i];
    v += s.volume[i];
    out.push(v > 0 ? pv / v : null);
  }
  return out;
}

describe('Vwap', () => {
  for (const file of ['BTCUSDT', 'BTCUSDC'] as const) {
    it(`equals a daily-anchored typical-price VWAP on ${file}`, () => {
      const s = loadCandles(file);
      const vwap = new Vwap();
      expectMatches(
        s.ts.map((t, i) => vwap.update(t, s.high[i], s.low[i], s.close[i], s.volume[i])),
        dailyVwap(s),
        'vwap',
      );
    });
  }

  it('restarts at 00:00 UTC and is null until the day has volume', () => {
    const vwap = new Vwap();
    const day = Date.UTC(2023, 2, 1);
    expect(vwap.update(day - 60_000, 10, 10, 10, 5)).toBe(10);
    expect(vwap.update(day, 20, 20, 20, 0)).toBeNull();
    expect(vwap.update(day + 60_000, 30, 30, 30, 1)).toBe(30);
  });

  it('continues identically from a snapshot', () => {
    const s = loadCandles('BTCUSDT');
    const whole = new Vwap();
    const expected = s.ts.map((t, i) => whole.update(t, s.high[i], s.low[i], s.close[i], s.volume[i]));
    expect(
      splitRun(s.ts.length, 3000, (saved) => {
        const v = new Vwap(saved as never);
        return { update: (i: number) => v.update(s.ts[i], s.high[i], s.low[i], s.close[i], s.volume[i]), snapshot: () => v.snapshot() };
      }),
    ).toEqual(expected);
  });
});
