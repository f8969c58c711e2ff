import { describe, expect, it } from 'vitest';
import { seededRandom } from '../seededRandom.ts';
import * as ort from 'onnxruntime-node';
import type { LinearModel, TrainedModel, TreeEnsembleModel, TreeNode } from '../../models/training/TrainedModel.ts';
import { encodeClassifier } from '../../models/onnx/encodeClassifier.ts';
import { readOnnxGraph } from '../../models/onnx/readOnnxGraph.ts';
import { fieldFloats, fieldInts, fieldString, I32, LEN, ProtoWriter, readFields, VARINT } from '../../models/onnx/protobuf.ts';

const F = 6;

function randomLinear(random: () => number, classes: number[]): LinearModel {
  return {
    kind: 'linear',
    classes,
    coefficients: classes.map(() => Array.from({ length: F }, () => Math.fround(random() * 2 - 1))),
    intercepts: classes.map(() => Math.fround(random() - 0.5)),
  };
}

/** A full tree of the given depth, nodes in depth-first order. */
function randomTree(random: () => number, depth: number, leaf: () => number): TreeNode[] {
  const nodes: TreeNode[] = [];
  const build = (d: number): number => {
    const i = nodes.length;
    if (d === depth) {
      nodes.push({ feature: -1, threshold: 0, left: -1, right: -1, value: leaf() });
      return i;
    }
    nodes.push({ feature: Math.floor(random() * F), threshold: Math.fround(random() * 2 - 1), left: -1, right: -1, value: 0 });
    nodes[i].left = build(d + 1);
    nodes[i].right = build(d + 1);
    return i;
  };
  build(0);
  return nodes;
}

function randomTrees(
  random: () => number,
  classes: number[],
  opts: { trees: number; leaf?: () => number; baseScores?: number },
): TreeEnsembleModel {
  const leaf = opts.leaf ?? (() => Math.fround(random() * 0.6 - 0.3));
  const width = opts.baseScores ?? (classes.length === 2 ? 1 : classes.length);
  const trees: TreeEnsembleModel['trees'] = [];
  for (let t = 0; t < opts.trees; t++) {
    for (let c = 0; c < width; c++) trees.push({ classIndex: width === 1 ? 1 : c, nodes: randomTree(random, 3, leaf) });
  }
  return { kind: 'trees', classes, baseScores: Array.from({ length: width }, () => Math.fround(random() - 0.5)), trees };
}

/** Rows of float32-representable features, some exactly on a threshold, one with a NaN for trees. */
function randomRows(random: () => number, rows: number, model: TrainedModel): Float32Array {
  const x = new Float32Array(rows * F);
  for (let i = 0; i < x.length; i++) x[i] = random() * 2.4 - 1.2;
  if (model.kind === 'trees') {
    const splits = model.trees.flatMap((t) => t.nodes.filter((n) => n.feature !== -1));
    for (let r = 0; r < rows; r += 3) {
      const s = splits[Math.floor(random() * splits.length)];
      x[r * F + s.feature] = s.threshold; // exactly on it: goes left
    }
    x[(rows - 1) * F + splits[0].feature] = NaN; // not <= anything: goes right
  }
  return x;
}

/** The model evaluated plainly, in float64: x <= threshold goes left; softmax / sigmoid. */
function reference(model: TrainedModel, x: Float32Array, rows: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const xi = Array.from({ length: F }, (_, j) => Math.fround(x[r * F + j]));
    let scores: number[];
    if (model.kind === 'linear') {
      scores = model.coefficients.map((w, c) => w.reduce((s, wj, j) => s + wj * xi[j], model.intercepts[c]));
    } else {
      scores = [...model.baseScores];
      for (const tree of model.trees) {
        let n = tree.nodes[0];
        while (n.feature !== -1) n = tree.nodes[xi[n.feature] <= n.threshold ? n.left : n.right];
        scores[model.baseScores.length === 1 ? 0 : tree.classIndex] += n.value;
      }
      if (scores.length === 1) scores = [0, scores[0]];
    }
    const max = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - max));
    const sum = e.reduce((a, b) => a + b, 0);
    out.push(e.map((v) => v / sum));
  }
  return out;
}

async function runOrt(bytes: Uint8Array, x: Float32Array, rows: number): Promise<{ label: number[]; probabilities: Float32Array }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ features: new ort.Tensor('float32', x, [rows, F]) });
    expect(out.label.type).toBe('int64');
    expect(out.label.dims).toEqual([rows]);
    expect(out.probabilities.type).toBe('float32');
    return { label: Array.from(out.label.data as BigInt64Array, Number), probabilities: out.probabilities.data as Float32Array };
  } finally {
    await session.release();
  }
}

async function checkAgainstOrt(model: TrainedModel, seed: number, rows = 300): Promise<void> {
  const random = seededRandom(seed);
  const x = randomRows(random, rows, model);
  const bytes = encodeClassifier(model, { inputName: 'features', featureCount: F });
  const { label, probabilities } = await runOrt(bytes, x, rows);
  const k = model.classes.length;
  expect(probabilities.length).toBe(rows * k);
  const expected = reference(model, x, rows);
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < k; c++) worst = Math.max(worst, Math.abs(probabilities[r * k + c] - expected[r][c]));
    const order = expected[r].map((p, c) => [p, c]).sort((a, b) => b[0] - a[0]);
    // The winning class, unless float32 and float64 scores could disagree on a near tie.
    if (order[0][0] - order[1][0] > 1e-5) expect(label[r], `row ${r}`).toBe(model.classes[order[0][1]]);
  }
  expect(worst).toBeLessThan(1e-6);
}

describe('encodeClassifier in onnxruntime-node', () => {
  it('binary LinearModel → LinearClassifier', async () => {
    await checkAgainstOrt(randomLinear(seededRandom(1), [0, 1]), 11);
  });

  it('3-class LinearModel with labels [-1, 0, 1]', async () => {
    await checkAgainstOrt(randomLinear(seededRandom(2), [-1, 0, 1]), 12);
  });

  it('binary TreeEnsembleModel: p = sigmoid(base + Σ leaves), labels [-1, 1]', async () => {
    await checkAgainstOrt(randomTrees(seededRandom(3), [-1, 1], { trees: 8 }), 13);
  });

  it('binary trees whose leaves are all positive (onnxruntime labels them by score > 0.5 unless a weight is negative)', async () => {
    const random = seededRandom(4);
    const model = randomTrees(random, [0, 1], { trees: 4, leaf: () => Math.fround(random() * 0.3) });
    model.baseScores = [-0.4];
    await checkAgainstOrt(model, 14);
  });

  it('binary trees with two base scores and trees for both classes (softmax over two scores)', async () => {
    await checkAgainstOrt(randomTrees(seededRandom(5), [2, 7], { trees: 5, baseScores: 2 }), 15);
  });

  it('3-class TreeEnsembleModel with labels [-1, 0, 1]', async () => {
    await checkAgainstOrt(randomTrees(seededRandom(6), [-1, 0, 1], { trees: 6 }), 16);
  });

  it('a tree model whose nodes are not in depth-first order', async () => {
    const model: TreeEnsembleModel = {
      kind: 'trees',
      classes: [0, 1],
      baseScores: [0.25],
      trees: [
        {
          classIndex: 1,
          nodes: [
            { feature: 2, threshold: Math.fround(0.1), left: 3, right: 1, value: 0 },
            { feature: -1, threshold: 0, left: -1, right: -1, value: Math.fround(0.7) },
            { feature: -1, threshold: 0, left: -1, right: -1, value: Math.fround(-0.9) },
            { feature: 0, threshold: Math.fround(-0.2), left: 2, right: 4, value: 0 },
            { feature: -1, threshold: 0, left: -1, right: -1, value: Math.fround(0.2) },
          ],
        },
      ],
    };
    await checkAgainstOrt(model, 17, 100);
  });

  it('rejects models that do not fit the input or are not trees', () => {
    const lin = randomLinear(seededRandom(7), [0, 1]);
    expect(() => encodeClassifier(lin, { inputName: 'x', featureCount: F + 1 })).toThrow(/coefficients/);
    const trees = randomTrees(seededRandom(8), [0, 1, 2], { trees: 1 });
    expect(() => encodeClassifier(trees, { inputName: 'x', featureCount: 1 })).toThrow(/feature/);
    trees.trees[0].nodes[1].left = 0;
    expect(() => encodeClassifier(trees, { inputName: 'x', featureCount: F })).toThrow(/twice/);
    expect(() =>
      encodeClassifier({ ...randomTrees(seededRandom(9), [0, 1, 2], { trees: 1 }), baseScores: [0] }, { inputName: 'x', featureCount: F }),
    ).toThrow(/base scores/);
    const unrounded = randomTrees(seededRandom(9), [0, 1], { trees: 1 });
    unrounded.trees[0].nodes[0].threshold = 0.1;
    expect(() => encodeClassifier(unrounded, { inputName: 'x', featureCount: F })).toThrow(/float32/);
  });
});

describe('readOnnxGraph', () => {
  it('reads back what encodeClassifier wrote', () => {
    const model = randomTrees(seededRandom(10), [-1, 0, 1], { trees: 2 });
    const g = readOnnxGraph(encodeClassifier(model, { inputName: 'features', featureCount: F, producer: 'test-producer' }));
    expect(g.irVersion).toBe(8);
    expect(g.producer).toBe('test-producer');
    expect(g.opsetImports).toEqual([
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ]);
    expect(g.inputs).toEqual([{ name: 'features', kind: 'tensor', elemType: 'float32', shape: ['N', F] }]);
    expect(g.outputs).toEqual([
      { name: 'label', kind: 'tensor', elemType: 'int64', shape: ['N'] },
      { name: 'probabilities', kind: 'tensor', elemType: 'float32', shape: ['N', 3] },
    ]);
    expect(g.nodes).toHaveLength(1);
    const [node] = g.nodes;
    expect(node).toMatchObject({
      opType: 'TreeEnsembleClassifier',
      domain: 'ai.onnx.ml',
      inputs: ['features'],
      outputs: ['label', 'probabilities'],
    });
    const a = node.attributes;
    expect(a.classlabels_int64s.ints).toEqual([-1, 0, 1]);
    expect(a.post_transform.s).toBe('SOFTMAX');
    expect(a.base_values.floats).toEqual(model.baseScores);
    const nodes = model.trees.flatMap((t) => t.nodes);
    expect(a.nodes_modes.strings).toEqual(nodes.map((n) => (n.feature === -1 ? 'LEAF' : 'BRANCH_LEQ')));
    expect(a.nodes_values.floats).toEqual(nodes.map((n) => (n.feature === -1 ? 0 : n.threshold)));
    expect(a.class_weights.floats).toEqual(nodes.filter((n) => n.feature === -1).map((n) => n.value));
  });
});

describe('protobuf', () => {
  it('round-trips varints (negative and 64-bit), floats, strings and packed fields', () => {
    const big = 2n ** 62n + 3n;
    const w = new ProtoWriter()
      .varint(1, 0)
      .varint(2, 300)
      .varint(3, -1)
      .varint(4, -(2 ** 40))
      .varint(5, 2 ** 53 - 1)
      .varint(6, big)
      .float(7, 0.1)
      .string(8, 'ZipMap é')
      .packedFloats(9, [1.5, -2, NaN])
      .packedInt64s(10, [0, -1, 127, 128, -(2 ** 31), 2 ** 35]);
    const bytes = w.finish();
    // -1 as int64 is ten bytes on the wire.
    expect(Array.from(new ProtoWriter().varint(1, -1).finish())).toEqual([8, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1]);
    const f = readFields(bytes);
    expect(f.map((x) => [x.field, x.wireType])).toEqual([
      [1, VARINT],
      [2, VARINT],
      [3, VARINT],
      [4, VARINT],
      [5, VARINT],
      [6, VARINT],
      [7, I32],
      [8, LEN],
      [9, LEN],
      [10, LEN],
    ]);
    expect(f.slice(0, 6).map((x) => x.varint)).toEqual([0, 300, -1, -(2 ** 40), 2 ** 53 - 1, Number(big)]);
    expect(fieldFloats(f[6])).toEqual([Math.fround(0.1)]);
    expect(fieldString(f[7])).toBe('ZipMap é');
    expect(fieldFloats(f[8])).toEqual([1.5, -2, NaN]);
    expect(fieldInts(f[9])).toEqual([0, -1, 127, 128, -(2 ** 31), 2 ** 35]);
    // raw slices put together give the message back.
    expect(Buffer.concat(f.map((x) => x.raw)).equals(Buffer.from(bytes))).toBe(true);
    expect(() => readFields(bytes.subarray(0, bytes.length - 1))).toThrow(/past the end/);
  });
});
