/** One of 10 equal-width bins of the predicted up-class probability. */
export interface CalibrationBin {
  /** Bin [lower, upper); the last bin includes 1. */
  lower: number;
  upper: number;
  /** Mean predicted up probability of the rows in the bin; null when the bin is empty. */
  meanPredicted: number | null;
  /** Fraction of the bin's rows whose actual class is up; null when the bin is empty. */
  observed: number | null;
  count: number;
}

/** A point of the ROC curve (up class vs rest). */
export interface RocPoint {
  fpr: number;
  tpr: number;
}

export interface Evaluation {
  rows: number;
  classes: number[];
  upClassIndex: number;
  /** Rows per actual class. */
  classCounts: number[];
  /** Fraction of rows whose argmax class (first on ties) is the actual class. */
  accuracy: number;
  /** Up class vs rest, rank-based (ties count 1/2); null when only one side is present. */
  rocAuc: number | null;
  /** Mean −ln p(actual class), p clipped to [1e−15, 1]. */
  logLoss: number;
  /** confusion[actual][predicted], predicted by argmax. */
  confusion: number[][];
  calibration: CalibrationBin[];
  /** From (0,0) to (1,1), thinned to a few hundred points at most. */
  roc: RocPoint[];
}

const logLossClip = 1e-15;

/**
 * Metrics of class probabilities (rows × classes, row-major) against actual class indices.
 * The up class drives ROC AUC, the ROC curve and the calibration bins.
 */
export function evaluate(probabilities: Float64Array, y: Int32Array, classes: number[], upClassIndex: number): Evaluation {
  const k = classes.length;
  const n = y.length;
  if (probabilities.length !== n * k) throw new RangeError(`evaluate: ${probabilities.length} probabilities for ${n} rows × ${k} classes`);
  if (!(upClassIndex >= 0 && upClassIndex < k)) throw new RangeError(`evaluate: up class index ${upClassIndex} of ${k} classes`);
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const counts = new Array<number>(k).fill(0);
  let correct = 0;
  let loss = 0;
  const up = new Float64Array(n);
  const isUp = new Uint8Array(n);
  for (let i = 0; i < probabilities.length; i++) {
    if (!(probabilities[i] >= 0 && probabilities[i] <= 1))
      throw new RangeError(`evaluate: probability ${probabilities[i]} at row ${Math.floor(i / k)}, class index ${i % k}`);
  }
  for (let i = 0; i < n; i++) {
    const actual = y[i];
    if (!(actual >= 0 && actual < k)) throw new RangeError(`evaluate: row ${i} has class index ${actual}, expected 0..${k - 1}`);
    let predicted = 0;
    for (let c = 1; c < k; c++) if (probabilities[i * k + c] > probabilities[i * k + predicted]) predicted = c;
    confusion[actual][predicted]++;
    counts[actual]++;
    if (predicted === actual) correct++;
    const p = Math.min(Math.max(probabilities[i * k + actual], logLossClip), 1);
    loss -= Math.log(p);
    up[i] = probabilities[i * k + upClassIndex];
    isUp[i] = actual === upClassIndex ? 1 : 0;
  }
  return {
    rows: n,
    classes: [...classes],
    upClassIndex,
    classCounts: counts,
    accuracy: n > 0 ? correct / n : Number.NaN,
    rocAuc: rocAuc(up, isUp),
    logLoss: n > 0 ? loss / n : Number.NaN,
    confusion,
    calibration: calibration(up, isUp, 10),
    roc: rocCurve(up, isUp),
  };
}

/**
 * The baseline that predicts the training set's class frequencies for every row, evaluated on
 * testY: its accuracy is the majority class's share, its ROC AUC 0.5 (all scores tie).
 */
export function majorityBaseline(trainY: Int32Array, testY: Int32Array, classes: number[], upClassIndex: number): Evaluation {
  const k = classes.length;
  if (trainY.length === 0) throw new RangeError('majorityBaseline: no training rows');
  const freq = new Float64Array(k);
  for (let i = 0; i < trainY.length; i++) freq[trainY[i]]++;
  for (let c = 0; c < k; c++) freq[c] /= trainY.length;
  const probabilities = new Float64Array(testY.length * k);
  for (let i = 0; i < testY.length; i++) probabilities.set(freq, i * k);
  return evaluate(probabilities, testY, classes, upClassIndex);
}

/** Row indices sorted by score, ascending (stable). */
function sortedByScore(score: Float64Array): Int32Array {
  const idx = new Int32Array(score.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => score[a] - score[b] || a - b);
}

/**
 * Mann–Whitney: AUC = (sum of positive ranks − P(P+1)/2) / (P·N), with tied scores given their
 * average rank, i.e. the fraction of (positive, negative) pairs ordered correctly, ties counting 1/2.
 */
export function rocAuc(score: Float64Array, positive: Uint8Array): number | null {
  const n = score.length;
  const idx = sortedByScore(score);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && score[idx[end]] === score[idx[start]]) end++;
    const averageRank = (start + 1 + end) / 2; // ranks start+1 .. end
    for (let q = start; q < end; q++) {
      if (positive[idx[q]]) {
        positives++;
        rankSum += averageRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** ROC points at each distinct threshold (descending), thinned so consecutive kept points differ by >= 1/200 in fpr or tpr. */
export function rocCurve(score: Float64Array, positive: Uint8Array): RocPoint[] {
  const n = score.length;
  const idx = sortedByScore(score);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += positive[i];
  const negatives = n - positives;
  const points: RocPoint[] = [{ fpr: 0, tpr: 0 }];
  if (positives === 0 || negatives === 0) {
    points.push({ fpr: 1, tpr: 1 });
    return points;
  }
  const step = 1 / 200;
  let tp = 0;
  let fp = 0;
  for (let end = n; end > 0;) {
    let start = end - 1;
    while (start > 0 && score[idx[start - 1]] === score[idx[end - 1]]) start--;
    for (let q = start; q < end; q++) {
      if (positive[idx[q]]) tp++;
      else fp++;
    }
    end = start;
    const point = { fpr: fp / negatives, tpr: tp / positives };
    const last = points[points.length - 1];
    if (end === 0 || point.fpr - last.fpr >= step || point.tpr - last.tpr >= step) points.push(point);
  }
  return points;
}

/** `bins` equal-width bins of p over [0, 1]. */
export function calibration(p: Float64Array, positive: Uint8Array, bins: number): CalibrationBin[] {
  const sumP = new Float64Array(bins);
  const sumPos = new Float64Array(bins);
  const count = new Array<number>(bins).fill(0);
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(Math.max(Math.floor(p[i] * bins), 0), bins - 1);
    sumP[b] += p[i];
    sumPos[b] += positive[i];
    count[b]++;
  }
  return count.map((c, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    meanPredicted: c > 0 ? sumP[b] / c : null,
    observed: c > 0 ? sumPos[b] / c : null,
    count: c,
  }));
}
