import { checkDataset, classCounts, featureMoments, type Dataset } from './Dataset.ts';
import type { LinearModel } from './TrainedModel.ts';

export interface LogisticRegressionOptions {
  /**
   * L2 penalty on the coefficients (not the intercepts), which apply to standardized features: the
   * objective is mean log loss + l2/2 · Σ w² over the model's coefficients w, the model's inputs
   * being z = (x − offset) · scale of its scaler (offset the mean, scale 1 / population std, in
   * float32). Default 1e-4.
   */
  l2?: number;
  /** L-BFGS iterations at most. Default 1000. */
  maxIterations?: number;
  /** Stop when every component of the objective's gradient is at most this. Default 1e-7. */
  tolerance?: number;
}

export interface LogisticRegressionFit {
  model: LinearModel;
  iterations: number;
  /** True when the gradient reached the tolerance. */
  converged: boolean;
  /** Largest absolute gradient component at the solution (standardized parameters). */
  gradientNorm: number;
  /** Mean log loss + penalty at the solution. */
  objective: number;
}

/**
 * Multinomial (softmax) logistic regression with an L2 penalty, fitted by L-BFGS on standardized
 * features; the model keeps the standardization as a Scaler step, and its parameters are rounded
 * to float32. Binary: one score (class index 1) and the class-0 row all zeros, i.e.
 * ordinary logistic regression; three or more classes: one row per class, intercepts centred.
 */
export function trainLogisticRegression(data: Dataset, options: LogisticRegressionOptions = {}): LinearModel {
  return fitLogisticRegression(data, options).model;
}

/** trainLogisticRegression with how the solver did. */
export function fitLogisticRegression(data: Dataset, options: LogisticRegressionOptions = {}): LogisticRegressionFit {
  checkDataset(data);
  if (data.rows === 0) throw new RangeError('logistic regression: no rows');
  const l2 = options.l2 ?? 1e-4;
  const maxIterations = options.maxIterations ?? 1000;
  const tolerance = options.tolerance ?? 1e-7;
  if (!(l2 >= 0)) throw new RangeError(`logistic regression: l2 must be >= 0, got ${l2}`);
  for (let i = 0; i < data.x.length; i++) {
    if (!Number.isFinite(data.x[i]))
      throw new RangeError(
        `logistic regression: feature ${data.features[i % data.features.length]} is not finite in row ${Math.floor(i / data.features.length)}`,
      );
  }

  const n = data.rows;
  const f = data.features.length;
  const k = data.classes.length;
  const r = k === 2 ? 1 : k; // score rows fitted
  const stride = f + 1; // coefficients then intercept
  // Standardization as the model's float32 Scaler step (see LinearModel.scaler); the solver fits
  // exactly the inputs that step produces, z = fround(fround(fround(x) − offset) · scale).
  const { mean, std } = featureMoments(data);
  const offset = Array.from(mean, (m) => Math.fround(m));
  const scale = Array.from(std, (v) => {
    const inverse = Math.fround(1 / v);
    return v > 0 && Number.isFinite(inverse) ? inverse : 0;
  });
  const z = new Float64Array(n * f);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) z[i * f + j] = Math.fround(Math.fround(Math.fround(data.x[i * f + j]) - offset[j]) * scale[j]);
  }
  const y = data.y;

  const scores = new Float64Array(r);
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const zi = i * f;
      for (let c = 0; c < r; c++) {
        const o = c * stride;
        let s = theta[o + f];
        for (let j = 0; j < f; j++) s += theta[o + j] * z[zi + j];
        scores[c] = s;
      }
      if (r === 1) {
        const s = scores[0];
        const t = y[i] === 1 ? 1 : 0;
        loss += Math.max(s, 0) + Math.log1p(Math.exp(-Math.abs(s))) - t * s;
        const d = sigmoid(s) - t;
        for (let j = 0; j < f; j++) grad[j] += d * z[zi + j];
        grad[f] += d;
      } else {
        let max = -Infinity;
        for (let c = 0; c < r; c++) if (scores[c] > max) max = scores[c];
        let sum = 0;
        for (let c = 0; c < r; c++) sum += Math.exp(scores[c] - max);
        const lse = max + Math.log(sum);
        loss += lse - scores[y[i]];
        for (let c = 0; c < r; c++) {
          const d = Math.exp(scores[c] - lse) - (y[i] === c ? 1 : 0);
          const o = c * stride;
          for (let j = 0; j < f; j++) grad[o + j] += d * z[zi + j];
          grad[o + f] += d;
        }
      }
    }
    loss /= n;
    for (let p = 0; p < grad.length; p++) grad[p] /= n;
    for (let c = 0; c < r; c++) {
      for (let j = 0; j < f; j++) {
        const w = theta[c * stride + j];
        loss += 0.5 * l2 * w * w;
        grad[c * stride + j] += l2 * w;
      }
    }
    return loss;
  };

  // Start from the class priors with zero coefficients.
  const theta0 = new Float64Array(r * stride);
  const counts = classCounts(y, k);
  const eps = 0.5; // add-half smoothing: a class absent from the data still gets a finite start
  if (r === 1) theta0[f] = Math.log((counts[1] + eps) / (counts[0] + eps));
  else {
    const logs = counts.map((c) => Math.log(c + eps));
    const m = logs.reduce((a, b) => a + b, 0) / k;
    for (let c = 0; c < k; c++) theta0[c * stride + f] = logs[c] - m;
  }

  const result = lbfgs(objective, theta0, maxIterations, tolerance);
  const theta = result.x;

  const scaler = { offset, scale };
  const coefficients: number[][] = [];
  const intercepts: number[] = [];
  const row = (o: number, shift: number): void => {
    coefficients.push(Array.from(theta.subarray(o, o + f), (w) => Math.fround(w)));
    intercepts.push(Math.fround(theta[o + f] - shift));
  };
  if (r === 1) {
    coefficients.push(new Array<number>(f).fill(0));
    intercepts.push(0);
    row(0, 0);
  } else {
    // The softmax is unchanged by a common shift of the (unpenalized) intercepts: centre them.
    let shift = 0;
    for (let c = 0; c < k; c++) shift += theta[c * stride + f];
    shift /= k;
    for (let c = 0; c < k; c++) row(c * stride, shift);
  }
  return {
    model: { kind: 'linear', classes: [...data.classes], scaler, coefficients, intercepts },
    iterations: result.iterations,
    converged: result.converged,
    gradientNorm: result.gradientNorm,
    objective: result.value,
  };
}

function sigmoid(s: number): number {
  if (s >= 0) return 1 / (1 + Math.exp(-s));
  const e = Math.exp(s);
  return e / (1 + e);
}

interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
  gradientNorm: number;
}

/**
 * Limited-memory BFGS (memory 10) with a backtracking Armijo line search, for a smooth convex
 * objective. Deterministic. Curvature pairs with s·y <= 0 are skipped; a non-descent direction
 * resets the memory to steepest descent.
 */
function lbfgs(
  fn: (x: Float64Array, grad: Float64Array) => number,
  start: Float64Array,
  maxIterations: number,
  tolerance: number,
): LbfgsResult {
  const dim = start.length;
  const memory = 10;
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];
  const alpha = new Float64Array(memory);
  let x = Float64Array.from(start);
  let g = new Float64Array(dim);
  let value = fn(x, g);
  const d = new Float64Array(dim);
  let xNew = new Float64Array(dim);
  let gNew = new Float64Array(dim);
  let iterations = 0;
  let converged = false;
  let stalled = 0;

  for (; iterations < maxIterations; iterations++) {
    if (infNorm(g) <= tolerance) {
      converged = true;
      break;
    }
    // Two-loop recursion: d = −H·g.
    for (let p = 0; p < dim; p++) d[p] = -g[p];
    const m = sList.length;
    for (let q = m - 1; q >= 0; q--) {
      alpha[q] = rhoList[q] * dot(sList[q], d);
      axpy(-alpha[q], yList[q], d);
    }
    if (m > 0) {
      const gamma = dot(sList[m - 1], yList[m - 1]) / dot(yList[m - 1], yList[m - 1]);
      for (let p = 0; p < dim; p++) d[p] *= gamma;
    }
    for (let q = 0; q < m; q++) {
      const beta = rhoList[q] * dot(yList[q], d);
      axpy(alpha[q] - beta, sList[q], d);
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      sList.length = yList.length = rhoList.length = 0;
      for (let p = 0; p < dim; p++) d[p] = -g[p];
      slope = dot(g, d);
    }
    // First step (no curvature yet): a step of length at most 1.
    let step = m === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    let accepted = false;
    let valueNew = value;
    for (let tries = 0; tries < 60; tries++) {
      for (let p = 0; p < dim; p++) xNew[p] = x[p] + step * d[p];
      valueNew = fn(xNew, gNew);
      if (Number.isFinite(valueNew) && valueNew <= value + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break; // no decrease along d at any step: as close as float64 gets
    const s = new Float64Array(dim);
    const yv = new Float64Array(dim);
    for (let p = 0; p < dim; p++) {
      s[p] = xNew[p] - x[p];
      yv[p] = gNew[p] - g[p];
    }
    const sy = dot(s, yv);
    if (sy > 1e-16 * Math.sqrt(dot(s, s) * dot(yv, yv))) {
      if (sList.length === memory) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
      sList.push(s);
      yList.push(yv);
      rhoList.push(1 / sy);
    }
    const decrease = value - valueNew;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    value = valueNew;
    stalled = decrease <= 1e-16 * Math.max(1, Math.abs(value)) ? stalled + 1 : 0;
    if (stalled >= 5) {
      iterations++;
      break;
    }
  }
  const gradientNorm = infNorm(g);
  if (gradientNorm <= tolerance) converged = true;
  return { x, value, iterations, converged, gradientNorm };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let p = 0; p < a.length; p++) s += a[p] * b[p];
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let p = 0; p < y.length; p++) y[p] += a * x[p];
}

function infNorm(a: Float64Array): number {
  let m = 0;
  for (let p = 0; p < a.length; p++) m = Math.max(m, Math.abs(a[p]));
  return m;
}
