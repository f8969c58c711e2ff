import { vectorizer } from '../featureVector.ts';
import type { FeatureRow } from './readFeatureRows.ts';

export interface LabelOptions {
  features: readonly string[];
  intervalMs: number;
  /** Candles ahead the label looks. */
  horizon: number;
  /** |forward return| ≤ band is the neutral class; 0: two classes, up and not up. */
  band: number;
}

/** Rows with model inputs and labels, in time order across symbols. */
export interface LabelledRows {
  features: string[];
  classes: number[];
  upClass: number;
  downClass: number;
  x: Float64Array;
  y: Int32Array;
  ts: Float64Array;
  /** close `horizon` candles ahead / close − 1: what a position opened at the row's close earns. */
  forwardReturn: Float64Array;
  rows: number;
  /** Rows left out: a feature missing (lookback) or no candle `horizon` ahead. */
  dropped: { missingFeature: number; noFuture: number };
}

/**
 * Label = direction of the forward return over `horizon` candles: close at ts + horizon·interval
 * against close at ts. With a band, small moves are their own class: classes [-1, 0, 1] (down, flat,
 * up); without, [0, 1] (not up, up).
 */
export function labelledRows(bySymbol: ReadonlyMap<string, FeatureRow[]>, o: LabelOptions): LabelledRows {
  const vectorize = vectorizer(o.features);
  const width = o.features.length;
  const ahead = o.horizon * o.intervalMs;
  const kept: { ts: number; symbol: string; x: Float64Array; y: number; ret: number }[] = [];
  const dropped = { missingFeature: 0, noFuture: 0 };
  for (const [symbol, rows] of bySymbol) {
    const closeAt = new Map(rows.map((r) => [r.ts, r.close as number]));
    for (const r of rows) {
      const future = closeAt.get(r.ts + ahead);
      if (typeof future !== 'number' || !Number.isFinite(future)) {
        dropped.noFuture++;
        continue;
      }
      const x = new Float64Array(width);
      if (vectorize(r, x, 0) !== undefined) {
        dropped.missingFeature++;
        continue;
      }
      const ret = future / (r.close as number) - 1;
      const y = o.band > 0 ? (ret > o.band ? 2 : ret < -o.band ? 0 : 1) : ret > 0 ? 1 : 0;
      kept.push({ ts: r.ts, symbol, x, y, ret });
    }
  }
  kept.sort((a, b) => a.ts - b.ts || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const x = new Float64Array(kept.length * width);
  kept.forEach((k, i) => x.set(k.x, i * width));
  const classes = o.band > 0 ? [-1, 0, 1] : [0, 1];
  return {
    features: [...o.features],
    classes,
    upClass: 1,
    downClass: o.band > 0 ? -1 : 0,
    x,
    y: Int32Array.from(kept, (k) => k.y),
    ts: Float64Array.from(kept, (k) => k.ts),
    forwardReturn: Float64Array.from(kept, (k) => k.ret),
    rows: kept.length,
    dropped,
  };
}

export interface TimeSplit {
  train: [start: number, end: number];
  validation: [start: number, end: number];
  test: [start: number, end: number];
}

/**
 * Train, validation and test in time order (fractions of the rows), each part starting more than one
 * horizon after the previous part's last row: the last training label looks `horizonMs` ahead, so
 * nothing the later parts are scored on was seen in training.
 */
export function splitInTime(ts: Float64Array, horizonMs: number, fractions: [train: number, validation: number] = [0.7, 0.15]): TimeSplit {
  const n = ts.length;
  const trainEnd = Math.floor(n * fractions[0]);
  const validationEnd = Math.floor(n * (fractions[0] + fractions[1]));
  const after = (from: number, end: number) => {
    let i = from;
    while (i < end && from > 0 && ts[i] <= ts[from - 1] + horizonMs) i++;
    return i;
  };
  const validationStart = after(trainEnd, validationEnd);
  const testStart = after(validationEnd, n);
  return { train: [0, trainEnd], validation: [validationStart, validationEnd], test: [testStart, n] };
}
