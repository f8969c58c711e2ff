import { describe, expect, it } from 'vitest';
import { evaluate, majorityBaseline, rocAuc } from '../../../models/training/evaluate.ts';

/** Binary probabilities [p(0), p(1)] per row from p(up). */
const binary = (pUp: number[]): Float64Array => Float64Array.from(pUp.flatMap((p) => [1 - p, p]));

describe('evaluate', () => {
  // Positives (class 1) score 0.9, 0.6, 0.4; negatives (class 0) score 0.7, 0.4, 0.1.
  const pUp = [0.9, 0.7, 0.6, 0.4, 0.4, 0.1];
  const y = Int32Array.from([1, 0, 1, 1, 0, 0]);
  const ev = evaluate(binary(pUp), y, [0, 1], 1);

  it('ROC AUC counts correctly ordered (positive, negative) pairs, ties as 1/2', () => {
    // 0.9 beats 0.7, 0.4, 0.1: 3. 0.6 beats 0.4, 0.1 (loses to 0.7): 2. 0.4 ties 0.4 (1/2), beats 0.1: 1.5.
    expect(ev.rocAuc).toBeCloseTo((3 + 2 + 1.5) / 9, 15);
  });

  it('ROC curve runs through each distinct threshold and its area is the AUC', () => {
    const third = 1 / 3;
    const expected = [
      [0, 0],
      [0, third], // >= 0.9
      [third, third], // >= 0.7
      [third, 2 * third], // >= 0.6
      [2 * third, 1], // >= 0.4 (one positive, one negative)
      [1, 1], // >= 0.1
    ];
    expect(ev.roc.length).toBe(expected.length);
    ev.roc.forEach((p, i) => {
      expect(p.fpr).toBeCloseTo(expected[i][0], 12);
      expect(p.tpr).toBeCloseTo(expected[i][1], 12);
    });
    let area = 0;
    for (let i = 1; i < ev.roc.length; i++) area += ((ev.roc[i].fpr - ev.roc[i - 1].fpr) * (ev.roc[i].tpr + ev.roc[i - 1].tpr)) / 2;
    expect(area).toBeCloseTo(ev.rocAuc as number, 12);
  });

  it('accuracy and confusion matrix use the argmax', () => {
    // Predicted up when p > 0.5: 0.9 ✓, 0.7 ✗ (actual 0), 0.6 ✓, 0.4 ✗ (actual 1), 0.4 ✓, 0.1 ✓.
    expect(ev.accuracy).toBeCloseTo(4 / 6, 15);
    expect(ev.confusion).toEqual([
      [2, 1], // actual 0: predicted 0 twice (0.4, 0.1), 1 once (0.7)
      [1, 2], // actual 1: predicted 0 once (0.4), 1 twice (0.9, 0.6)
    ]);
    expect(ev.classCounts).toEqual([3, 3]);
    expect(ev.rows).toBe(6);
  });

  it('log loss is the mean of −ln p(actual)', () => {
    const expected = -(Math.log(0.9) + Math.log(0.3) + Math.log(0.6) + Math.log(0.4) + Math.log(0.6) + Math.log(0.9)) / 6;
    expect(ev.logLoss).toBeCloseTo(expected, 14);
  });

  it('calibration bins p(up) in tenths', () => {
    expect(ev.calibration.length).toBe(10);
    expect(ev.calibration.map((b) => b.count)).toEqual([0, 1, 0, 0, 2, 0, 1, 1, 0, 1]);
    expect(ev.calibration[4]).toEqual({ lower: 0.4, upper: 0.5, meanPredicted: 0.4, observed: 0.5, count: 2 });
    expect(ev.calibration[7].observed).toBe(0);
    expect(ev.calibration[9].observed).toBe(1);
    expect(ev.calibration[0]).toEqual({ lower: 0, upper: 0.1, meanPredicted: null, observed: null, count: 0 });
    const full = evaluate(binary([1, 0]), Int32Array.from([1, 0]), [0, 1], 1);
    expect(full.calibration[9].count).toBe(1); // p = 1 belongs to the last bin
    expect(full.calibration[0].count).toBe(1);
  });

  it('handles three classes: argmax ties go to the first class, log loss is clipped', () => {
    const p = Float64Array.from([
      0.5,
      0.5,
      0, // actual 2: predicted 0 (tie → first), p(actual) = 0 → clipped to 1e-15
      0.2,
      0.3,
      0.5, // actual 2: predicted 2
      0.1,
      0.8,
      0.1, // actual 1: predicted 1
      0.6,
      0.3,
      0.1, // actual 1: predicted 0
    ]);
    const e3 = evaluate(p, Int32Array.from([2, 2, 1, 1]), [-1, 0, 1], 2);
    expect(e3.accuracy).toBe(0.5);
    expect(e3.confusion).toEqual([
      [0, 0, 0],
      [1, 1, 0],
      [1, 0, 1],
    ]);
    expect(e3.logLoss).toBeCloseTo(-(Math.log(1e-15) + Math.log(0.5) + Math.log(0.8) + Math.log(0.3)) / 4, 12);
    // Up (index 2) vs rest: positives 0 and 0.5, negatives 0.1 and 0.1: pairs won 0 + 2 = 2 of 4.
    expect(e3.rocAuc).toBeCloseTo(0.5, 15);
  });

  it('has no AUC with a single class present', () => {
    expect(rocAuc(Float64Array.from([0.2, 0.8]), Uint8Array.from([1, 1]))).toBeNull();
    const e = evaluate(binary([0.2, 0.8]), Int32Array.from([0, 0]), [0, 1], 1);
    expect(e.rocAuc).toBeNull();
    expect(JSON.parse(JSON.stringify(e)).rocAuc).toBeNull();
  });

  it('AUC is 1 for a perfect ranking, 0 for a reversed one, 1/2 when all scores tie', () => {
    const pos = Uint8Array.from([0, 0, 1, 1]);
    expect(rocAuc(Float64Array.from([0.1, 0.2, 0.3, 0.4]), pos)).toBe(1);
    expect(rocAuc(Float64Array.from([0.4, 0.3, 0.2, 0.1]), pos)).toBe(0);
    expect(rocAuc(Float64Array.from([0.5, 0.5, 0.5, 0.5]), pos)).toBe(0.5);
  });

  it('refuses mismatched shapes and invalid probabilities', () => {
    expect(() => evaluate(new Float64Array(3), Int32Array.from([0, 1]), [0, 1], 1)).toThrow(/probabilities/);
    expect(() => evaluate(Float64Array.from([Number.NaN, 1]), Int32Array.from([0]), [0, 1], 1)).toThrow(/probability NaN/);
  });
});

describe('majorityBaseline', () => {
  it('predicts the training class frequencies for every row', () => {
    // Train: three 0s and one 1 → p = [0.75, 0.25] everywhere; majority class 0.
    const b = majorityBaseline(Int32Array.from([0, 0, 1, 0]), Int32Array.from([1, 0, 0]), [0, 1], 1);
    expect(b.accuracy).toBeCloseTo(2 / 3, 15);
    expect(b.logLoss).toBeCloseTo(-(Math.log(0.25) + 2 * Math.log(0.75)) / 3, 14);
    expect(b.rocAuc).toBe(0.5);
    expect(b.confusion).toEqual([
      [2, 0],
      [1, 0],
    ]);
    expect(b.calibration[2]).toEqual({ lower: 0.2, upper: 0.3, meanPredicted: 0.25, observed: 1 / 3, count: 3 });
  });
});
