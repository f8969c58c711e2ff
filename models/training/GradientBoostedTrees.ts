import { checkDataset, classCounts, type Dataset } from './Dataset.ts';
import type { TreeEnsembleModel, TreeNode } from './TrainedModel.ts';
import { sigmoid, softmaxInto } from './predict.ts';

export interface GradientBoostedTreesOptions {
  /** Boosting rounds; multiclass grows one tree per class per round. Default 100. */
  trees?: number;
  /** Depth of each tree (a depth-3 tree has at most 8 leaves). Default 3. */
  maxDepth?: number;
  /** Shrinkage, folded into the leaf values. Default 0.1. */
  learningRate?: number;
  /** Fewest training rows in a leaf. Default 20. */
  minLeaf?: number;
  /** Histogram bins per feature (quantiles of the training values), 2..256. Default 64. */
  bins?: number;
  /** L2 regulariser λ on leaf values: leaf = −Σg / (Σh + λ). Default 1. */
  l2?: number;
  /**
   * Called after each round with the round number (1-based) and the training scores so far,
   * rows × width (width 1 for binary, the class count otherwise). The array is live: copy it to keep it.
   */
  onRound?: (round: number, scores: Float64Array) => void;
}

export interface GradientBoostedTreesFit {
  model: TreeEnsembleModel;
  /** Total split gain per feature, normalised to sum 1 (all zeros when no tree split at all). */
  importance: number[];
}

/**
 * Gradient-boosted regression trees on the log loss (Friedman's gradient boosting with Newton leaf
 * values, histogram splits as in LightGBM/XGBoost "hist"). Binary: one tree per round on the score
 * of class index 1, base score the log-odds prior. Multiclass: softmax, one tree per class per
 * round, base scores the log priors; the hessian is K/(K−1)·p(1−p) (Friedman's multiclass factor).
 *
 * Splits are chosen from gradient/hessian histograms over per-feature quantile bins of the float32
 * training values. Each bin boundary is a float32 threshold t with (largest value of the lower
 * bin) <= t < (smallest value of the upper bin), so `Math.fround(x) <= t` sends exactly the rows of
 * the lower bins left, at training time and in onnxruntime alike. NaN inputs fall into the last
 * bin and go right, as `NaN <= t` is false. Leaf values (times the learning rate), thresholds and
 * base scores are float32; the training scores add those same float32 values, tree by tree.
 * Deterministic: no sampling, ties resolved towards the lower feature and bin.
 */
export function trainGradientBoostedTrees(data: Dataset, options: GradientBoostedTreesOptions = {}): GradientBoostedTreesFit {
  checkDataset(data);
  const rounds = options.trees ?? 100;
  const maxDepth = options.maxDepth ?? 3;
  const learningRate = options.learningRate ?? 0.1;
  const minLeaf = options.minLeaf ?? 20;
  const maxBins = options.bins ?? 64;
  const lambda = options.l2 ?? 1;
  if (!(Number.isInteger(rounds) && rounds >= 0))
    throw new RangeError(`gradient-boosted trees: trees must be a whole number >= 0, got ${rounds}`);
  if (!(Number.isInteger(maxDepth) && maxDepth >= 0))
    throw new RangeError(`gradient-boosted trees: maxDepth must be a whole number >= 0, got ${maxDepth}`);
  if (!(learningRate > 0)) throw new RangeError(`gradient-boosted trees: learningRate must be > 0, got ${learningRate}`);
  if (!(Number.isInteger(minLeaf) && minLeaf >= 1))
    throw new RangeError(`gradient-boosted trees: minLeaf must be a whole number >= 1, got ${minLeaf}`);
  if (!(Number.isInteger(maxBins) && maxBins >= 2 && maxBins <= 256))
    throw new RangeError(`gradient-boosted trees: bins must be a whole number in 2..256, got ${maxBins}`);
  if (!(lambda >= 0)) throw new RangeError(`gradient-boosted trees: l2 must be >= 0, got ${lambda}`);
  if (data.rows === 0) throw new RangeError('gradient-boosted trees: no rows');

  const n = data.rows;
  const f = data.features.length;
  const k = data.classes.length;
  const width = k === 2 ? 1 : k;
  const { thresholds, binned } = binFeatures(data, maxBins);
  const binCounts = thresholds.map((t) => t.length + 1);
  const binOffset = new Int32Array(f + 1);
  for (let j = 0; j < f; j++) binOffset[j + 1] = binOffset[j] + binCounts[j];
  const totalBins = binOffset[f];

  // Base scores from the class priors (clipped so that an absent class stays finite).
  const counts = classCounts(data.y, k);
  const prior = (c: number): number => Math.min(Math.max(counts[c] / n, 1e-6), 1 - 1e-6);
  const baseScores = width === 1 ? [Math.fround(Math.log(prior(1) / prior(0)))] : counts.map((_, c) => Math.fround(Math.log(prior(c))));

  const scores = new Float64Array(n * width);
  for (let i = 0; i < n; i++) for (let c = 0; c < width; c++) scores[i * width + c] = baseScores[c];

  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const prob = width === 1 ? new Float64Array(0) : new Float64Array(n * k);
  const gain = new Float64Array(f);
  const order = new Int32Array(n);
  const scratch = new Int32Array(n);
  const trees: TreeEnsembleModel['trees'] = [];
  const hessianFactor = width === 1 ? 1 : k / (k - 1);
  const minHessian = 1e-12;

  const grower: Grower = {
    n,
    f,
    binned,
    thresholds,
    binCounts,
    binOffset,
    totalBins,
    maxDepth,
    minLeaf,
    lambda,
    learningRate,
    minHessian,
    g,
    h,
    order,
    scratch,
    gain,
  };

  for (let round = 1; round <= rounds; round++) {
    if (width > 1) {
      for (let i = 0; i < n; i++) softmaxInto(scores, i * k, k, prob, i * k);
    }
    for (let c = 0; c < width; c++) {
      if (width === 1) {
        for (let i = 0; i < n; i++) {
          const p = sigmoid(scores[i]);
          g[i] = p - (data.y[i] === 1 ? 1 : 0);
          h[i] = Math.max(p * (1 - p), minHessian);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const p = prob[i * k + c];
          g[i] = p - (data.y[i] === c ? 1 : 0);
          h[i] = Math.max(hessianFactor * p * (1 - p), minHessian);
        }
      }
      const { nodes, leaves } = growTree(grower);
      // Incremental scores: each leaf's rows add that leaf's float32 value.
      for (const leaf of leaves) {
        const v = nodes[leaf.node].value;
        for (let q = leaf.start; q < leaf.end; q++) scores[order[q] * width + c] += v;
      }
      trees.push({ classIndex: width === 1 ? 1 : c, nodes });
    }
    options.onRound?.(round, scores);
  }

  let total = 0;
  for (let j = 0; j < f; j++) total += gain[j];
  const importance = Array.from(gain, (v) => (total > 0 ? v / total : 0));
  return { model: { kind: 'trees', classes: [...data.classes], baseScores, trees }, importance };
}

export interface FeatureBinning {
  /** Per feature, ascending float32 thresholds: bin b holds values v with thresholds[b−1] < v <= thresholds[b]. */
  thresholds: Float64Array[];
  /** Row-major rows × features bin index (the last bin also takes NaN). */
  binned: Uint8Array;
}

/**
 * Quantile bins of each feature's float32 values, at most `maxBins` per feature. A feature with
 * at most `maxBins` distinct values gets one bin per value.
 */
export function binFeatures(data: Dataset, maxBins: number): FeatureBinning {
  const n = data.rows;
  const f = data.features.length;
  const thresholds: Float64Array[] = [];
  const binned = new Uint8Array(n * f);
  const column = new Float64Array(n);
  for (let j = 0; j < f; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = Math.fround(data.x[i * f + j]);
      if (!Number.isNaN(v)) column[m++] = v;
    }
    const sorted = column.subarray(0, m).sort();
    // Distinct values.
    const distinct: number[] = [];
    const endOf: number[] = []; // index in sorted just past each distinct value's run
    for (let i = 0; i < m; i++) {
      if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]);
      endOf[distinct.length - 1] = i + 1;
    }
    const cuts: number[] = [];
    if (distinct.length <= maxBins) {
      for (let d = 0; d + 1 < distinct.length; d++) cuts.push(threshold32(distinct[d], distinct[d + 1]));
    } else {
      // The lower bin of cut q ends with the value at quantile q/maxBins; a value's whole run stays in one bin.
      let d = 0;
      for (let q = 1; q < maxBins; q++) {
        const pos = Math.floor((q * m) / maxBins); // rows in the lower bins
        if (pos <= 0) continue;
        while (endOf[d] < pos) d++;
        if (d + 1 >= distinct.length) break;
        const t = threshold32(distinct[d], distinct[d + 1]);
        if (cuts.length === 0 || t > cuts[cuts.length - 1]) cuts.push(t);
      }
    }
    const t = Float64Array.from(cuts);
    thresholds.push(t);
    for (let i = 0; i < n; i++) binned[i * f + j] = binOf(t, Math.fround(data.x[i * f + j]));
  }
  return { thresholds, binned };
}

/** A float32 t with a <= t < b (a < b both float32): the float32 nearest their midpoint when it fits. */
function threshold32(a: number, b: number): number {
  const mid = Math.fround(a + (b - a) / 2);
  return Number.isFinite(mid) && mid >= a && mid < b ? mid : a;
}

/** The first bin whose threshold v is <= to, or the last bin (also for NaN). */
function binOf(thresholds: Float64Array, v: number): number {
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= thresholds[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

interface Grower {
  n: number;
  f: number;
  binned: Uint8Array;
  thresholds: Float64Array[];
  binCounts: number[];
  binOffset: Int32Array;
  totalBins: number;
  maxDepth: number;
  minLeaf: number;
  lambda: number;
  learningRate: number;
  minHessian: number;
  g: Float64Array;
  h: Float64Array;
  /** Row order; each node owns a contiguous range of it. */
  order: Int32Array;
  scratch: Int32Array;
  /** Split gain per feature, accumulated over all trees. */
  gain: Float64Array;
}

interface Histogram {
  g: Float64Array;
  h: Float64Array;
  count: Int32Array;
}

interface LeafRange {
  node: number;
  start: number;
  end: number;
}

function growTree(s: Grower): { nodes: TreeNode[]; leaves: LeafRange[] } {
  for (let i = 0; i < s.n; i++) s.order[i] = i;
  const nodes: TreeNode[] = [];
  const leaves: LeafRange[] = [];
  const rootHist = buildHistogram(s, 0, s.n);
  let G = 0;
  let H = 0;
  for (let i = 0; i < s.n; i++) {
    G += s.g[i];
    H += s.h[i];
  }
  grow(s, nodes, leaves, 0, s.n, 0, rootHist, G, H);
  return { nodes, leaves };
}

/** Appends the node for rows order[start, end) (and its subtree); returns its index. */
function grow(
  s: Grower,
  nodes: TreeNode[],
  leaves: LeafRange[],
  start: number,
  end: number,
  depth: number,
  hist: Histogram,
  G: number,
  H: number,
): number {
  const index = nodes.length;
  const count = end - start;
  const split = depth < s.maxDepth && count >= 2 * s.minLeaf ? bestSplit(s, hist, G, H, count) : undefined;
  if (split === undefined) {
    nodes.push({ feature: -1, threshold: 0, left: -1, right: -1, value: Math.fround((-s.learningRate * G) / (H + s.lambda)) });
    leaves.push({ node: index, start, end });
    return index;
  }
  const node: TreeNode = { feature: split.feature, threshold: s.thresholds[split.feature][split.bin], left: -1, right: -1, value: 0 };
  nodes.push(node);
  s.gain[split.feature] += split.gain;

  // Stable partition: rows of bins <= split.bin first.
  const { order, scratch, binned, f } = s;
  let l = start;
  let r = 0;
  for (let q = start; q < end; q++) {
    const row = order[q];
    if (binned[row * f + split.feature] <= split.bin) order[l++] = row;
    else scratch[r++] = row;
  }
  order.set(scratch.subarray(0, r), l);
  const mid = l;

  // Histogram of the smaller child by a scan, the larger one by subtraction from the parent's.
  let leftHist: Histogram;
  let rightHist: Histogram;
  if (mid - start <= end - mid) {
    leftHist = buildHistogram(s, start, mid);
    rightHist = subtractInto(hist, leftHist);
  } else {
    rightHist = buildHistogram(s, mid, end);
    leftHist = subtractInto(hist, rightHist);
  }
  node.left = grow(s, nodes, leaves, start, mid, depth + 1, leftHist, split.gl, split.hl);
  node.right = grow(s, nodes, leaves, mid, end, depth + 1, rightHist, G - split.gl, H - split.hl);
  return index;
}

function buildHistogram(s: Grower, start: number, end: number): Histogram {
  const { f, binned, binOffset, order } = s;
  const hg = new Float64Array(s.totalBins);
  const hh = new Float64Array(s.totalBins);
  const hc = new Int32Array(s.totalBins);
  for (let q = start; q < end; q++) {
    const row = order[q];
    const gi = s.g[row];
    const hi = s.h[row];
    const base = row * f;
    for (let j = 0; j < f; j++) {
      const b = binOffset[j] + binned[base + j];
      hg[b] += gi;
      hh[b] += hi;
      hc[b]++;
    }
  }
  return { g: hg, h: hh, count: hc };
}

/** parent − child, written over the parent's arrays (the parent's histogram is not needed again). */
function subtractInto(parent: Histogram, child: Histogram): Histogram {
  for (let b = 0; b < parent.g.length; b++) {
    parent.g[b] -= child.g[b];
    parent.h[b] -= child.h[b];
    parent.count[b] -= child.count[b];
  }
  return parent;
}

interface Split {
  feature: number;
  /** Rows with bin <= this go left. */
  bin: number;
  gain: number;
  gl: number;
  hl: number;
}

function bestSplit(s: Grower, hist: Histogram, G: number, H: number, count: number): Split | undefined {
  const { lambda, minLeaf, minHessian } = s;
  const parentScore = (G * G) / (H + lambda);
  let best: Split | undefined;
  let bestGain = 1e-12;
  for (let j = 0; j < s.f; j++) {
    const o = s.binOffset[j];
    const bins = s.binCounts[j];
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (let b = 0; b + 1 < bins; b++) {
      gl += hist.g[o + b];
      hl += hist.h[o + b];
      cl += hist.count[o + b];
      if (cl < minLeaf) continue;
      const cr = count - cl;
      if (cr < minLeaf) break;
      const gr = G - gl;
      const hr = H - hl;
      if (hl < minHessian || hr < minHessian) continue;
      const gain = 0.5 * ((gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore);
      if (gain > bestGain) {
        bestGain = gain;
        best = { feature: j, bin: b, gain, gl, hl };
      }
    }
  }
  return best;
}
