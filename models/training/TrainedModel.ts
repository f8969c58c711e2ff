/**
 * What training produces and ONNX export consumes: plain data, no behaviour. Inputs are float32 in
 * ONNX, so thresholds, leaf values, coefficients and intercepts are float32-representable
 * (Math.fround) and prediction rounds each input with Math.fround first, as onnxruntime sees it.
 */

/** Class labels in probability-column order, e.g. [0, 1] or [-1, 0, 1] (down, flat, up). */
export type ClassLabels = readonly number[];

/**
 * Multinomial logistic regression: score_c = intercepts[c] + Σ_f coefficients[c][f]·x_f, then
 * softmax over classes (ONNX-ML LinearClassifier, post_transform SOFTMAX). A binary model has two
 * rows like any other, so the ONNX form is the same for 2 or 3 classes.
 */
export interface LinearModel {
  kind: 'linear';
  classes: ClassLabels;
  /**
   * Standardize first, x ← (x − offset[f]) · scale[f] in float32 (ONNX-ML Scaler). Inputs like
   * close/sma_50 sit near 1 with a tiny spread: with the scaling folded into the coefficients, the
   * float32 sum onnxruntime computes cancels large terms and loses about 1e-6 of probability.
   */
  scaler?: { offset: number[]; scale: number[] };
  /** [class][feature] */
  coefficients: number[][];
  intercepts: number[];
}

/** A node of one regression tree: a leaf when `feature` is -1. Goes left when x[feature] <= threshold. */
export interface TreeNode {
  feature: number;
  threshold: number;
  left: number;
  right: number;
  /** Leaf value, already multiplied by the learning rate. */
  value: number;
}

/**
 * Gradient-boosted trees: score_c = baseScores[c] + Σ leaf values of the trees of class c, then
 * softmax over classes. Binary: one score (class index 1), p_1 = sigmoid(score), i.e. softmax over
 * (0, score). ONNX-ML TreeEnsembleClassifier.
 */
export interface TreeEnsembleModel {
  kind: 'trees';
  classes: ClassLabels;
  /** One per class for multiclass; one (for class index 1) when binary. */
  baseScores: number[];
  trees: { classIndex: number; nodes: TreeNode[] }[];
}

export type TrainedModel = LinearModel | TreeEnsembleModel;
