import type { LinearModel, TrainedModel, TreeEnsembleModel, TreeNode } from './TrainedModel.ts';

/**
 * Class probabilities, rows × classes (row-major), as onnxruntime would compute them: every input
 * is first rounded to float32 (Math.fround); trees go left when x <= threshold. Scores are summed
 * in float64 in model order, so they can differ from onnxruntime's float32 sums in the last bits.
 */
export function predictProbabilities(model: TrainedModel, x: Float64Array, rows: number, features: number): Float64Array {
  const k = model.classes.length;
  const scores = predictScores(model, x, rows, features);
  const out = new Float64Array(rows * k);
  const width = scoreWidth(model);
  if (width === 1) {
    // Binary trees: softmax over (0, score).
    for (let i = 0; i < rows; i++) {
      const p1 = sigmoid(scores[i]);
      out[i * 2] = 1 - p1;
      out[i * 2 + 1] = p1;
    }
    return out;
  }
  for (let i = 0; i < rows; i++) softmaxInto(scores, i * k, k, out, i * k);
  return out;
}

/**
 * Raw scores before the softmax, rows × width: width is the number of classes, except for a binary
 * tree ensemble (one score, for class index 1).
 */
export function predictScores(model: TrainedModel, x: Float64Array, rows: number, features: number): Float64Array {
  if (x.length < rows * features) throw new RangeError(`predict: x has ${x.length} values, expected ${rows} × ${features}`);
  return model.kind === 'linear' ? linearScores(model, x, rows, features) : treeScores(model, x, rows, features);
}

/** Columns predictScores returns for this model. */
export function scoreWidth(model: TrainedModel): number {
  return model.kind === 'trees' ? model.baseScores.length : model.classes.length;
}

function linearScores(model: LinearModel, x: Float64Array, rows: number, features: number): Float64Array {
  const k = model.classes.length;
  if (model.coefficients.length !== k || model.intercepts.length !== k)
    throw new RangeError(
      `linear model: ${model.coefficients.length} coefficient rows and ${model.intercepts.length} intercepts for ${k} classes`,
    );
  for (const row of model.coefficients)
    if (row.length !== features) throw new RangeError(`linear model has ${row.length} coefficients, input has ${features} features`);
  const scaler = model.scaler;
  if (scaler && (scaler.offset.length !== features || scaler.scale.length !== features))
    throw new RangeError(
      `linear model's scaler has ${scaler.offset.length} offsets and ${scaler.scale.length} scales for ${features} features`,
    );
  const out = new Float64Array(rows * k);
  const xi = new Float64Array(features);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < features; j++) xi[j] = Math.fround(x[i * features + j]);
    if (scaler) for (let j = 0; j < features; j++) xi[j] = Math.fround(Math.fround(xi[j] - scaler.offset[j]) * scaler.scale[j]);
    for (let c = 0; c < k; c++) {
      const w = model.coefficients[c];
      let s = model.intercepts[c];
      for (let j = 0; j < features; j++) s += w[j] * xi[j];
      out[i * k + c] = s;
    }
  }
  return out;
}

function treeScores(model: TreeEnsembleModel, x: Float64Array, rows: number, features: number): Float64Array {
  const width = model.baseScores.length;
  const k = model.classes.length;
  if (!(width === k || (k === 2 && width === 1))) throw new RangeError(`tree model: ${width} base scores for ${k} classes`);
  for (const tree of model.trees) {
    const c = width === 1 ? tree.classIndex - 1 : tree.classIndex;
    if (!(c >= 0 && c < width)) throw new RangeError(`tree model: tree for class index ${tree.classIndex} with ${k} classes`);
    for (const node of tree.nodes)
      if (node.feature >= features) throw new RangeError(`tree model uses feature ${node.feature}, input has ${features} features`);
  }
  const out = new Float64Array(rows * width);
  for (let i = 0; i < rows; i++) for (let c = 0; c < width; c++) out[i * width + c] = model.baseScores[c];
  const xi = new Float64Array(features);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < features; j++) xi[j] = Math.fround(x[i * features + j]);
    for (const tree of model.trees) {
      const c = width === 1 ? tree.classIndex - 1 : tree.classIndex;
      out[i * width + c] += leafValue(tree.nodes, xi);
    }
  }
  return out;
}

/** The value of the leaf that (float32) input x reaches. */
export function leafValue(nodes: readonly TreeNode[], x: ArrayLike<number>): number {
  let node = nodes[0];
  while (node.feature !== -1) node = nodes[x[node.feature] <= node.threshold ? node.left : node.right];
  return node.value;
}

export function sigmoid(s: number): number {
  if (s >= 0) return 1 / (1 + Math.exp(-s));
  const e = Math.exp(s);
  return e / (1 + e);
}

/** Numerically stable softmax of scores[from .. from+k) into out[to .. to+k). */
export function softmaxInto(scores: ArrayLike<number>, from: number, k: number, out: Float64Array, to: number): void {
  let max = -Infinity;
  for (let c = 0; c < k; c++) if (scores[from + c] > max) max = scores[from + c];
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp(scores[from + c] - max);
    out[to + c] = e;
    sum += e;
  }
  for (let c = 0; c < k; c++) out[to + c] /= sum;
}
