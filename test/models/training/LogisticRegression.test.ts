import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../seededRandom.ts';
import type { Dataset } from '../../../models/training/Dataset.ts';
import { fitLogisticRegression, trainLogisticRegression } from '../../../models/training/LogisticRegression.ts';
import { predictProbabilities } from '../../../models/training/predict.ts';
import type { LinearModel } from '../../../models/training/TrainedModel.ts';

function normal(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

/**
 * Rows drawn from a known softmax model in raw feature units: score_c = b[c] + W[c]·x (class 0's
 * row all zeros), with feature j ~ N(means[j], scales[j]²).
 */
function draw(seed: number, rows: number, means: number[], scales: number[], W: number[][], b: number[], classes: number[]): Dataset {
  const rnd = seededRandom(seed);
  const f = means.length;
  const k = W.length;
  const x = new Float64Array(rows * f);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < f; j++) x[i * f + j] = means[j] + scales[j] * normal(rnd);
    const s = W.map((w, c) => b[c] + w.reduce((acc, wj, j) => acc + wj * x[i * f + j], 0));
    const max = Math.max(...s);
    const e = s.map((v) => Math.exp(v - max));
    const total = e.reduce((p, q) => p + q, 0);
    let u = rnd() * total;
    let c = 0;
    while (c < k - 1 && u >= e[c]) u -= e[c++];
    y[i] = c;
  }
  return { features: means.map((_, j) => `f${j}`), x, y, rows, classes };
}

function populationStd(data: Dataset): number[] {
  const f = data.features.length;
  return data.features.map((_, j) => {
    let m = 0;
    for (let i = 0; i < data.rows; i++) m += data.x[i * f + j];
    m /= data.rows;
    let v = 0;
    for (let i = 0; i < data.rows; i++) v += (data.x[i * f + j] - m) ** 2;
    return Math.sqrt(v / data.rows);
  });
}

/** The model's inputs as TrainedModel documents them: z = fround(fround(fround(x) − offset) · scale). */
function modelInputs(model: LinearModel, data: Dataset): Float64Array {
  const f = data.features.length;
  const scaler = model.scaler;
  return Float64Array.from(data.x, (v, p) => {
    const x = Math.fround(v);
    return scaler ? Math.fround(Math.fround(x - scaler.offset[p % f]) * scaler.scale[p % f]) : x;
  });
}

/** The model in raw feature units (scaler folded into coefficients and intercepts), for comparing with the generating model. */
function rawForm(model: LinearModel): { w: number[][]; b: number[] } {
  const scaler = model.scaler;
  if (!scaler) return { w: model.coefficients, b: model.intercepts };
  const w = model.coefficients.map((row) => row.map((v, j) => v * scaler.scale[j]));
  const b = model.intercepts.map((v, c) => v - w[c].reduce((a, wj, j) => a + wj * scaler.offset[j], 0));
  return { w, b };
}

/**
 * Gradient of the documented objective, computed directly (not by the trainer): mean log loss +
 * l2/2 Σ w² over the coefficients of the fitted rows (row 1 only when binary, since row 0 is pinned
 * at zero), on the model's own inputs. Returns the largest absolute component.
 */
function objectiveGradientNorm(model: LinearModel, data: Dataset, l2: number): number {
  const f = data.features.length;
  const k = model.classes.length;
  const z = modelInputs(model, data);
  const grad = Array.from({ length: k }, () => new Array<number>(f + 1).fill(0));
  for (let i = 0; i < data.rows; i++) {
    const s = model.coefficients.map((w, c) => model.intercepts[c] + w.reduce((acc, wj, j) => acc + wj * z[i * f + j], 0));
    const max = Math.max(...s);
    const e = s.map((v) => Math.exp(v - max));
    const total = e.reduce((p, q) => p + q, 0);
    for (let c = 0; c < k; c++) {
      const d = e[c] / total - (data.y[i] === c ? 1 : 0);
      for (let j = 0; j < f; j++) grad[c][j] += (d * z[i * f + j]) / data.rows;
      grad[c][f] += d / data.rows;
    }
  }
  let norm = 0;
  for (let c = k === 2 ? 1 : 0; c < k; c++) {
    for (let j = 0; j < f; j++) norm = Math.max(norm, Math.abs(grad[c][j] + l2 * model.coefficients[c][j]));
    norm = Math.max(norm, Math.abs(grad[c][f]));
  }
  return norm;
}

const means = [0, 5, -2];
const scales = [1, 10, 0.1];

describe('trainLogisticRegression', () => {
  describe('binary', () => {
    const trueW = [1.2, -0.15, 6];
    const trueB = 13.15; // score 0.4 at the feature means
    const data = draw(7, 20000, means, scales, [[0, 0, 0], trueW], [0, trueB], [0, 1]);
    const l2 = 1e-6;
    const fit = fitLogisticRegression(data, { l2 });
    const model = fit.model;

    it('has the binary form: class-0 row and intercept zero', () => {
      expect(model.kind).toBe('linear');
      expect(model.classes).toEqual([0, 1]);
      expect(model.coefficients[0]).toEqual([0, 0, 0]);
      expect(model.intercepts[0]).toBe(0);
      expect(fit.converged).toBe(true);
    });

    it('standardizes with the feature means and population standard deviations', () => {
      const std = populationStd(data);
      for (let j = 0; j < 3; j++) {
        expect(model.scaler?.scale[j]).toBeCloseTo(1 / std[j], 5);
        expect(Math.abs((model.scaler?.offset[j] as number) - means[j])).toBeLessThan(0.2 * scales[j]);
      }
    });

    it('recovers the generating coefficients (compared in standardized units)', () => {
      // Standard errors here are about 0.02 in standardized units; allow 4 of them.
      const raw = rawForm(model);
      for (let j = 0; j < 3; j++) expect(Math.abs(raw.w[1][j] * scales[j] - trueW[j] * scales[j])).toBeLessThan(0.08);
      const interceptAtMean = raw.b[1] + raw.w[1].reduce((a, w, j) => a + w * means[j], 0);
      const trueAtMean = trueB + trueW.reduce((a, w, j) => a + w * means[j], 0);
      expect(Math.abs(interceptAtMean - trueAtMean)).toBeLessThan(0.08);
    });

    it('is at a stationary point of the objective (gradient ~0), and a nudged model is not', () => {
      expect(objectiveGradientNorm(model, data, l2)).toBeLessThan(1e-5);
      const nudged: LinearModel = {
        ...model,
        coefficients: [model.coefficients[0], model.coefficients[1].map((w, j) => (j === 0 ? w + 0.05 : w))],
      };
      expect(objectiveGradientNorm(nudged, data, l2)).toBeGreaterThan(1e-3);
    });

    it('has float32 coefficients and intercepts', () => {
      for (const row of model.coefficients) for (const w of row) expect(Math.fround(w)).toBe(w);
      for (const b of model.intercepts) expect(Math.fround(b)).toBe(b);
      for (const v of [...(model.scaler?.offset ?? []), ...(model.scaler?.scale ?? [])]) expect(Math.fround(v)).toBe(v);
    });

    it('gives probabilities that sum to 1', () => {
      const p = predictProbabilities(model, data.x, data.rows, 3);
      for (let i = 0; i < data.rows; i++) expect(p[i * 2] + p[i * 2 + 1]).toBeCloseTo(1, 12);
    });

    it('does not depend on the units of a feature (standardization is internal)', () => {
      const scaled = Float64Array.from(data.x, (v, p) => (p % 3 === 1 ? v * 1000 : v));
      const other = trainLogisticRegression({ ...data, x: scaled }, { l2 });
      expect(rawForm(other).w[1][1] * 1000).toBeCloseTo(rawForm(model).w[1][1], 4);
      const p = predictProbabilities(model, data.x, 100, 3);
      const q = predictProbabilities(other, scaled, 100, 3);
      for (let i = 0; i < p.length; i++) expect(q[i]).toBeCloseTo(p[i], 5);
    });

    it('shrinks the coefficients with a larger l2, still at its own optimum', () => {
      const strong = trainLogisticRegression(data, { l2: 0.5 });
      const size = (m: LinearModel): number => m.coefficients[1].reduce((a, w) => a + Math.abs(w), 0);
      expect(size(strong)).toBeLessThan(0.6 * size(model));
      expect(objectiveGradientNorm(strong, data, 0.5)).toBeLessThan(1e-5);
    });
  });

  describe('three classes', () => {
    const W = [
      [0, 0, 0],
      [1.0, 0.1, -4],
      [-0.8, 0.05, 5],
    ];
    const b = [0, -8.2, 9.55]; // scores 0, 0.3, -0.2 at the feature means
    const data = draw(11, 30000, means, scales, W, b, [-1, 0, 1]);
    const l2 = 1e-6;
    const fit = fitLogisticRegression(data, { l2 });
    const model = fit.model;

    it('recovers the generating coefficients up to the softmax shift', () => {
      expect(fit.converged).toBe(true);
      expect(model.classes).toEqual([-1, 0, 1]);
      const raw = rawForm(model);
      for (const c of [1, 2]) {
        for (let j = 0; j < 3; j++) {
          const fitted = (raw.w[c][j] - raw.w[0][j]) * scales[j];
          expect(Math.abs(fitted - W[c][j] * scales[j])).toBeLessThan(0.1);
        }
      }
    });

    it('is at a stationary point of the objective', () => {
      expect(objectiveGradientNorm(model, data, l2)).toBeLessThan(1e-5);
    });

    it('centres the intercepts and gives probabilities that sum to 1', () => {
      expect(Math.abs(model.intercepts.reduce((a, v) => a + v, 0))).toBeLessThan(1e-5);
      const p = predictProbabilities(model, data.x, data.rows, 3);
      for (let i = 0; i < data.rows; i++) expect(p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2]).toBeCloseTo(1, 12);
    });
  });

  it('keeps float32 evaluation close for features near 1 with a tiny spread (ratios like close/sma)', () => {
    // onnxruntime sums in float32: emulate that (rounding after every operation) and compare.
    const data = draw(
      13,
      20000,
      [50, 1, 1],
      [10, 0.001, 0.003],
      [
        [0, 0, 0],
        [0.05, 800, -300],
      ],
      [0, -2.5 - 500],
      [0, 1],
    );
    const model = trainLogisticRegression(data);
    const p = predictProbabilities(model, data.x, data.rows, 3);
    const z = modelInputs(model, data);
    let worst = 0;
    for (let i = 0; i < data.rows; i++) {
      let s = model.intercepts[1];
      for (let j = 0; j < 3; j++) s = Math.fround(s + Math.fround(model.coefficients[1][j] * z[i * 3 + j]));
      worst = Math.max(worst, Math.abs(1 / (1 + Math.exp(-s)) - p[i * 2 + 1]));
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('is deterministic', () => {
    const data = draw(
      3,
      2000,
      means,
      scales,
      [
        [0, 0, 0],
        [1, 0, 1],
      ],
      [0, 0],
      [0, 1],
    );
    expect(trainLogisticRegression(data)).toEqual(trainLogisticRegression(data));
  });

  it('keeps a constant feature at coefficient 0', () => {
    const data = draw(
      5,
      2000,
      [0, 3],
      [1, 0],
      [
        [0, 0],
        [1, 0],
      ],
      [0, 0],
      [0, 1],
    );
    const model = trainLogisticRegression(data);
    expect(model.coefficients[1][1]).toBe(0);
    expect(model.coefficients[1][0]).toBeGreaterThan(0.5);
  });

  it('refuses non-finite features', () => {
    const data = draw(5, 100, [0], [1], [[0], [1]], [0, 0], [0, 1]);
    data.x[17] = Number.NaN;
    expect(() => trainLogisticRegression(data)).toThrow(/not finite in row 17/);
  });
});
