import { describe, expect, it } from 'vitest';
import { labelledRows, splitInTime } from '../../../models/training/labelledDataset.ts';
import type { FeatureRow } from '../../../models/training/readFeatureRows.ts';

const MIN = 60_000;
const row = (ts: number, close: number, x: number | null = 1): FeatureRow => ({ symbol: 'BTC-USDT', ts, close, x });

describe('labelled rows', () => {
  const closes = [100, 101, 99, 99, 102, 103];
  const rows = new Map([['BTC-USDT', closes.map((c, i) => row(i * MIN, c))]]);

  it('labels each row by the close `horizon` candles ahead: up (1) or not (0); the last rows have none', () => {
    const r = labelledRows(rows, { features: ['x'], intervalMs: MIN, horizon: 2, band: 0 });
    // 100→99 not up, 101→99 not up, 99→102 up, 99→103 up; 102 and 103 have nothing 2 ahead.
    expect(Array.from(r.y)).toEqual([0, 0, 1, 1]);
    expect(Array.from(r.forwardReturn)).toEqual([99 / 100 - 1, 99 / 101 - 1, 102 / 99 - 1, 103 / 99 - 1]);
    expect(r.classes).toEqual([0, 1]);
    expect(r.dropped).toEqual({ missingFeature: 0, noFuture: 2 });
  });

  it('with a band, small moves are the neutral class: classes -1, 0, 1 as indices 0, 1, 2', () => {
    const r = labelledRows(rows, { features: ['x'], intervalMs: MIN, horizon: 1, band: 0.005 });
    // returns: +1%, -1.98%, 0, +3.03%, +0.98%
    expect(Array.from(r.y)).toEqual([2, 0, 1, 2, 2]);
    expect([r.classes, r.upClass, r.downClass]).toEqual([[-1, 0, 1], 1, -1]);
  });

  it('looks ahead in time, not in rows: a gap means no label', () => {
    const gappy = new Map([['BTC-USDT', [row(0, 100), row(MIN, 101), row(5 * MIN, 102), row(6 * MIN, 103)]]]);
    const r = labelledRows(gappy, { features: ['x'], intervalMs: MIN, horizon: 1, band: 0 });
    expect(Array.from(r.ts)).toEqual([0, 5 * MIN]);
  });

  it('leaves out rows with a feature in its lookback, and counts them', () => {
    const r = labelledRows(new Map([['BTC-USDT', [row(0, 1, null), row(MIN, 2), row(2 * MIN, 3)]]]), {
      features: ['x'],
      intervalMs: MIN,
      horizon: 1,
      band: 0,
    });
    expect(r.rows).toBe(1);
    expect(r.dropped.missingFeature).toBe(1);
  });
});

describe('splitInTime', () => {
  it('train, validation and test in time order, each starting more than one horizon after the previous part ends', () => {
    const ts = Float64Array.from({ length: 100 }, (_, i) => i * MIN);
    const split = splitInTime(ts, 3 * MIN);
    expect(split.train).toEqual([0, 70]);
    expect(split.validation).toEqual([73, 85]); // rows 70–72 are within 3 minutes of row 69
    expect(split.test).toEqual([88, 100]);
    expect(ts[split.validation[0]] - ts[split.train[1] - 1]).toBeGreaterThan(3 * MIN);
  });
});
