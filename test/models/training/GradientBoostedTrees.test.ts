import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../seededRandom.ts';
import type { Dataset } from '../../../models/training/Dataset.ts';
import { trainGradientBoostedTrees } from '../../../models/training/GradientBoostedTrees.ts';
import { trainLogisticRegression } from '../../../models/training/LogisticRegression.ts';
import { predictProbabilities, predictScores } from '../../../models/training/predict.ts';
import type { TreeEnsembleModel } from '../../../models/training/TrainedModel.ts';

/** rows × features uniform in [-1, 1), labelled by `label` (given the row and a uniform draw for noise). */
function make(seed: number, rows: number, features: number, classes: number[], label: (x: Float64Array, u: number) => number): Dataset {
  const rnd = seededRandom(seed);
  const x = new Float64Array(rows * features);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const row = x.subarray(i * features, (i + 1) * features);
    for (let j = 0; j < features; j++) row[j] = 2 * rnd() - 1;
    y[i] = label(row, rnd());
  }
  return { features: Array.from({ length: features }, (_, j) => `f${j}`), x, y, rows, classes };
}

function accuracy(model: TreeEnsembleModel | ReturnType<typeof trainLogisticRegression>, data: Dataset): number {
  const k = data.classes.length;
  const p = predictProbabilities(model, data.x, data.rows, data.features.length);
  let correct = 0;
  for (let i = 0; i < data.rows; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
    if (best === data.y[i]) correct++;
  }
  return correct / data.rows;
}

function logLoss(model: TreeEnsembleModel, data: Dataset): number {
  const k = data.classes.length;
  const p = predictProbabilities(model, data.x, data.rows, data.features.length);
  let loss = 0;
  for (let i = 0; i < data.rows; i++) loss -= Math.log(p[i * k + data.y[i]]);
  return loss / data.rows;
}

const xorLabel = (x: Float64Array, u: number): number => (x[0] > 0 !== x[1] > 0 ? 1 : 0) ^ (u < 0.1 ? 1 : 0);
const thresholdLabel = (x: Float64Array, u: number): number => (x[2] > 0.3 ? 1 : 0) ^ (u < 0.05 ? 1 : 0);

describe('trainGradientBoostedTrees', () => {
  it('learns an XOR pattern that a linear model cannot', () => {
    const train = make(1, 4000, 4, [0, 1], xorLabel);
    const test = make(2, 2000, 4, [0, 1], xorLabel);
    const { model } = trainGradientBoostedTrees(train);
    // Bayes accuracy is 0.9 (10% of labels flipped); chance is 0.5.
    expect(accuracy(model, test)).toBeGreaterThan(0.85);
    expect(accuracy(trainLogisticRegression(train), test)).toBeLessThan(0.6);
  });

  it('learns a threshold and credits the informative feature', () => {
    const train = make(3, 4000, 5, [0, 1], thresholdLabel);
    const test = make(4, 2000, 5, [0, 1], thresholdLabel);
    const { model, importance } = trainGradientBoostedTrees(train);
    expect(accuracy(model, test)).toBeGreaterThan(0.93);
    expect(importance.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(importance.indexOf(Math.max(...importance))).toBe(2);
    expect(importance[2]).toBeGreaterThan(0.8);
    const root = model.trees[0].nodes[0];
    expect(root.feature).toBe(2);
    expect(Math.abs(root.threshold - 0.3)).toBeLessThan(0.04); // 64 quantile bins over [-1, 1): ~0.03 wide
  });

  it('has the binary form: one base score (the log-odds prior), trees for class index 1', () => {
    const train = make(5, 1000, 3, [0, 1], thresholdLabel);
    const { model } = trainGradientBoostedTrees(train, { trees: 7 });
    const ones = train.y.reduce((a, b) => a + b, 0);
    expect(model.baseScores).toEqual([Math.fround(Math.log(ones / (train.rows - ones)))]);
    expect(model.trees.length).toBe(7);
    for (const tree of model.trees) expect(tree.classIndex).toBe(1);
  });

  it('lowers the training log loss as trees are added', () => {
    const train = make(6, 3000, 4, [0, 1], xorLabel);
    const losses: number[] = [];
    trainGradientBoostedTrees(train, {
      onRound: (_, scores) => {
        let loss = 0;
        for (let i = 0; i < train.rows; i++) {
          const p1 = 1 / (1 + Math.exp(-scores[i]));
          loss -= Math.log(train.y[i] === 1 ? p1 : 1 - p1);
        }
        losses.push(loss / train.rows);
      },
    });
    expect(losses.length).toBe(100);
    for (let r = 1; r < losses.length; r++) expect(losses[r]).toBeLessThanOrEqual(losses[r - 1] + 1e-12);
    expect(losses[99]).toBeLessThan(losses[9]);
    expect(losses[99]).toBeLessThan(0.5 * Math.log(2) + 0.1);
    const few = trainGradientBoostedTrees(train, { trees: 10 }).model;
    const many = trainGradientBoostedTrees(train, { trees: 100 }).model;
    expect(logLoss(many, train)).toBeLessThan(logLoss(few, train));
    expect(logLoss(few, train)).toBeLessThan(Math.log(2));
  });

  describe('predictions reproduce the training scores exactly (float32 thresholds and leaves)', () => {
    // Awkward inputs: values that are not float32, many ties, a few distinct values of which two are
    // adjacent float32s (the threshold between them must be the lower one), NaN, infinities.
    const few = [1, 1 + 2 ** -23, 1 + 2 ** -22, 2, 3];
    const awkward = (seed: number, classes: number[]): Dataset => {
      const data = make(seed, 3000, 4, classes, (x, u) => (classes.length === 2 ? xorLabel(x, u) : x[0] < -0.3 ? 0 : x[0] < 0.3 ? 1 : 2));
      const rnd = seededRandom(seed + 100);
      for (let i = 0; i < data.rows; i++) {
        data.x[i * 4 + 1] += 1e-9 * rnd(); // below float32 resolution
        data.x[i * 4 + 2] = few[Math.floor(5 * rnd())];
        data.x[i * 4 + 3] = rnd() < 0.05 ? Number.NaN : rnd() < 0.02 ? Number.POSITIVE_INFINITY : Math.round(data.x[i * 4 + 3] * 20) / 20;
        // Informative split exactly between the adjacent values 1 and 1 + 2^-23.
        if (data.x[i * 4 + 2] === 1) data.y[i] = (data.y[i] + 1) % classes.length;
      }
      return data;
    };
    for (const classes of [
      [0, 1],
      [-1, 0, 1],
    ]) {
      it(`with ${classes.length} classes`, () => {
        const data = awkward(classes.length * 10, classes);
        let tracked = new Float64Array(0);
        const { model } = trainGradientBoostedTrees(data, {
          trees: 30,
          maxDepth: 4,
          minLeaf: 5,
          bins: 16,
          onRound: (_, s) => (tracked = Float64Array.from(s)),
        });
        expect(predictScores(model, data.x, data.rows, 4)).toEqual(tracked);
        for (const b of model.baseScores) expect(Math.fround(b)).toBe(b);
        let splits = 0;
        for (const tree of model.trees) {
          for (const node of tree.nodes) {
            expect(Math.fround(node.threshold)).toBe(node.threshold);
            expect(Math.fround(node.value)).toBe(node.value);
            if (node.feature !== -1) splits++;
          }
        }
        expect(splits).toBeGreaterThan(model.trees.length);
        expect(model.trees.some((t) => t.nodes.some((n) => n.feature === 2 && n.threshold === 1))).toBe(true);
        // The same values in float32 give the same probabilities.
        const x32 = Float64Array.from(Float32Array.from(data.x));
        expect(predictProbabilities(model, x32, data.rows, 4)).toEqual(predictProbabilities(model, data.x, data.rows, 4));
      });
    }
  });

  it('finds the best stump by brute force when every value has its own bin', () => {
    // Independent reference: every split point of every feature, Newton gain from the prior's gradients.
    const rnd = seededRandom(9);
    const rows = 300;
    const f = 3;
    const x = new Float64Array(rows * f);
    const y = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < f; j++) x[i * f + j] = Math.floor(40 * rnd()) / 7;
      y[i] = rnd() < 0.3 + 0.05 * x[i * f + 1] ? 1 : 0;
    }
    const data: Dataset = { features: ['a', 'b', 'c'], x, y, rows, classes: [0, 1] };
    const lambda = 1;
    const minLeaf = 10;
    const { model } = trainGradientBoostedTrees(data, { trees: 1, maxDepth: 1, learningRate: 1, minLeaf, bins: 64, l2: lambda });
    const p0 = 1 / (1 + Math.exp(-model.baseScores[0]));
    const g = Array.from(y, (v) => p0 - v);
    const h = p0 * (1 - p0);
    const score = (G: number, H: number): number => (G * G) / (H + lambda);
    let best = { gain: 0, feature: -1, value: 0, gl: 0, hl: 0, gr: 0, hr: 0 };
    for (let j = 0; j < f; j++) {
      const values = [...new Set(Array.from({ length: rows }, (_, i) => x[i * f + j]))].sort((a, b) => a - b);
      for (const v of values.slice(0, -1)) {
        let gl = 0,
          hl = 0,
          nl = 0,
          gr = 0,
          hr = 0;
        for (let i = 0; i < rows; i++) {
          if (Math.fround(x[i * f + j]) <= Math.fround(v)) {
            gl += g[i];
            hl += h;
            nl++;
          } else {
            gr += g[i];
            hr += h;
          }
        }
        if (nl < minLeaf || rows - nl < minLeaf) continue;
        const gain = score(gl, hl) + score(gr, hr) - score(gl + gr, hl + hr);
        if (gain > best.gain + 1e-9) best = { gain, feature: j, value: v, gl, hl, gr, hr };
      }
    }
    const nodes = model.trees[0].nodes;
    const [root, left, right] = [nodes[0], nodes[nodes[0].left], nodes[nodes[0].right]];
    expect(best.feature).toBeGreaterThanOrEqual(0);
    expect(root.feature).toBe(best.feature);
    // The threshold separates the best split's value from the next one.
    const column = Array.from({ length: rows }, (_, i) => Math.fround(x[i * f + best.feature]));
    expect(column.filter((v) => v <= root.threshold)).toEqual(column.filter((v) => v <= Math.fround(best.value)));
    expect(left.value).toBeCloseTo(-best.gl / (best.hl + lambda), 6);
    expect(right.value).toBeCloseTo(-best.gr / (best.hr + lambda), 6);
  });

  it('learns three classes with one tree per class per round', () => {
    const label = (x: Float64Array, u: number): number => (u < 0.05 ? Math.floor(u * 60) : x[1] < -0.3 ? 0 : x[1] < 0.3 ? 1 : 2);
    const train = make(7, 4000, 3, [-1, 0, 1], label);
    const test = make(8, 2000, 3, [-1, 0, 1], label);
    const { model, importance } = trainGradientBoostedTrees(train, { trees: 40 });
    expect(model.trees.length).toBe(120);
    expect(model.trees.slice(0, 6).map((t) => t.classIndex)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(model.baseScores.length).toBe(3);
    expect(accuracy(model, test)).toBeGreaterThan(0.9);
    expect(importance.indexOf(Math.max(...importance))).toBe(1);
    const p = predictProbabilities(model, test.x, test.rows, 3);
    for (let i = 0; i < test.rows; i++) expect(p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2]).toBeCloseTo(1, 12);
  });

  it('is deterministic', () => {
    const train = make(10, 1500, 4, [0, 1], xorLabel);
    expect(trainGradientBoostedTrees(train, { trees: 20 })).toEqual(trainGradientBoostedTrees(train, { trees: 20 }));
  });

  it('respects minLeaf and maxDepth', () => {
    const train = make(11, 500, 3, [0, 1], xorLabel);
    const { model } = trainGradientBoostedTrees(train, { trees: 10, maxDepth: 2, minLeaf: 60 });
    for (const tree of model.trees) {
      const depth = (n: number): number =>
        tree.nodes[n].feature === -1 ? 0 : 1 + Math.max(depth(tree.nodes[n].left), depth(tree.nodes[n].right));
      expect(depth(0)).toBeLessThanOrEqual(2);
      const counts = new Map<number, number>();
      for (let i = 0; i < train.rows; i++) {
        const row = Float64Array.from(train.x.subarray(i * 3, i * 3 + 3), Math.fround);
        let n = 0;
        while (tree.nodes[n].feature !== -1)
          n = row[tree.nodes[n].feature] <= tree.nodes[n].threshold ? tree.nodes[n].left : tree.nodes[n].right;
        counts.set(n, (counts.get(n) ?? 0) + 1);
      }
      for (const c of counts.values()) expect(c).toBeGreaterThanOrEqual(60);
    }
  });
});
