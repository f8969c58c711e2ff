import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../seededRandom.ts';
import * as ort from 'onnxruntime-node';
import type { TreeEnsembleModel, TreeNode } from '../../models/training/TrainedModel.ts';
import { encodeClassifier } from '../../models/onnx/encodeClassifier.ts';
import { readOnnxGraph, readValueInfo } from '../../models/onnx/readOnnxGraph.ts';
import { ProtoWriter, readFields } from '../../models/onnx/protobuf.ts';
import { withoutZipMap } from '../../models/onnx/withoutZipMap.ts';

const F = 4;
const ROWS = 50;

function threeClassTrees(random: () => number): TreeEnsembleModel {
  const tree = (d: number, nodes: TreeNode[] = []): TreeNode[] => {
    const i = nodes.length;
    if (d === 0) {
      nodes.push({ feature: -1, threshold: 0, left: -1, right: -1, value: Math.fround(random() - 0.5) });
      return nodes;
    }
    nodes.push({ feature: Math.floor(random() * F), threshold: Math.fround(random() * 2 - 1), left: -1, right: -1, value: 0 });
    nodes[i].left = nodes.length;
    tree(d - 1, nodes);
    nodes[i].right = nodes.length;
    tree(d - 1, nodes);
    return nodes;
  };
  return {
    kind: 'trees',
    classes: [-1, 0, 1],
    baseScores: [0.1, -0.2, 0.05],
    trees: Array.from({ length: 9 }, (_, t) => ({ classIndex: t % 3, nodes: tree(3) })),
  };
}

// onnx.proto field numbers, written out here rather than taken from the code under test.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_OUTPUT = 12;

/** TypeProto seq(map(int64 | string, float)), the type of a ZipMap's output. */
function sequenceOfMaps(keyType: 7 | 8): Uint8Array {
  const floatTensor = new ProtoWriter().message(1, (t) => t.varint(1, 1)).finish();
  const map = new ProtoWriter().message(5, (m) => m.varint(1, keyType).bytes(2, floatTensor)).finish();
  return new ProtoWriter().message(4, (s) => s.bytes(1, map)).finish();
}

/**
 * The encoder's model as skl2onnx would end it: a ZipMap (ai.onnx.ml) from `probabilities` to
 * `output_probability`, which replaces `probabilities` among the graph outputs. Unknown fields
 * (numbers 98, 99) on the model and the graph, to see they survive.
 */
function withZipMapAdded(bytes: Uint8Array, labels: number[] | string[]): Uint8Array {
  const strings = typeof labels[0] === 'string';
  const node = new ProtoWriter()
    .string(1, 'probabilities')
    .string(2, 'output_probability')
    .string(3, 'ZipMap')
    .string(4, 'ZipMap')
    .message(5, (a) => {
      a.string(1, strings ? 'classlabels_strings' : 'classlabels_int64s').varint(20, strings ? 8 : 7);
      if (strings) for (const l of labels as string[]) a.string(9, l);
      else a.packedInt64s(8, labels as number[]);
    })
    .string(7, 'ai.onnx.ml')
    .finish();
  const model = new ProtoWriter();
  for (const f of readFields(bytes)) {
    if (f.field !== MODEL_GRAPH) {
      model.raw(f.raw);
      continue;
    }
    const graph = new ProtoWriter();
    for (const g of readFields(f.data)) {
      if (g.field === GRAPH_OUTPUT && readValueInfo(g.data).name === 'probabilities') {
        graph.message(GRAPH_OUTPUT, (v) => v.string(1, 'output_probability').bytes(2, sequenceOfMaps(strings ? 8 : 7)));
      } else {
        graph.raw(g.raw);
      }
    }
    graph.bytes(GRAPH_NODE, node);
    graph.varint(99, 424242);
    model.bytes(MODEL_GRAPH, graph.finish());
  }
  model.string(98, 'kept');
  return model.finish();
}

async function run(bytes: Uint8Array, x: Float32Array, outputs?: string[]): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = { features: new ort.Tensor('float32', x, [x.length / F, F]) };
    return outputs ? await session.run(feeds, outputs) : await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe('withoutZipMap', () => {
  const random = seededRandom(42);
  const plain = encodeClassifier(threeClassTrees(random), { inputName: 'features', featureCount: F });
  const x = Float32Array.from({ length: ROWS * F }, () => random() * 2 - 1);

  for (const labels of [
    [-1, 0, 1],
    ['down', 'flat', 'up'],
  ]) {
    it(`cuts off a ZipMap with ${typeof labels[0] === 'string' ? 'string' : 'int64'} labels`, async () => {
      const zipped = withZipMapAdded(plain, labels as number[] | string[]);
      const g = readOnnxGraph(zipped);
      expect(g.outputs.map((o) => [o.name, o.kind])).toEqual([
        ['label', 'tensor'],
        ['output_probability', 'sequence'],
      ]);
      expect(g.outputs[1].valueType).toEqual({
        kind: 'map',
        elemType: typeof labels[0] === 'string' ? 'string' : 'int64',
        valueType: { kind: 'tensor', elemType: 'float32' },
      });

      // The need: onnxruntime-node cannot hand back the sequence of maps.
      await expect(run(zipped, x)).rejects.toThrow(/[Nn]on.tensor/);

      const { bytes, zipMaps } = withoutZipMap(zipped);
      expect(zipMaps).toEqual([{ output: 'output_probability', input: 'probabilities', classLabels: labels }]);
      const cut = readOnnxGraph(bytes);
      expect(cut.nodes.map((n) => n.opType)).toEqual(['TreeEnsembleClassifier']);
      expect(cut.outputs).toEqual([
        { name: 'label', kind: 'tensor', elemType: 'int64', shape: ['N'] },
        { name: 'probabilities', kind: 'tensor', elemType: 'float32', shape: ['N', 3] },
      ]);

      const expected = await run(plain, x);
      const got = await run(bytes, x);
      expect(got.probabilities.dims).toEqual([ROWS, 3]);
      expect(Array.from(got.probabilities.data as Float32Array)).toEqual(Array.from(expected.probabilities.data as Float32Array));
      expect(Array.from(got.label.data as BigInt64Array)).toEqual(Array.from(expected.label.data as BigInt64Array));

      // Everything but the graph's nodes and outputs is as it was, unknown fields included.
      const before = readFields(zipped);
      const after = readFields(bytes);
      expect(after.map((f) => f.field)).toEqual(before.map((f) => f.field));
      before.forEach((f, i) => {
        if (f.field !== MODEL_GRAPH) expect(Buffer.from(after[i].raw).equals(Buffer.from(f.raw))).toBe(true);
      });
      const keep = (fs: ReturnType<typeof readFields>) =>
        fs.filter((f) => f.field !== GRAPH_NODE && f.field !== GRAPH_OUTPUT).map((f) => Buffer.from(f.raw).toString('hex'));
      const graphBefore = readFields(before.find((f) => f.field === MODEL_GRAPH)!.data);
      const graphAfter = readFields(after.find((f) => f.field === MODEL_GRAPH)!.data);
      expect(keep(graphAfter)).toEqual(keep(graphBefore));
      expect(graphAfter.some((f) => f.field === 99 && f.varint === 424242)).toBe(true);
    });
  }

  it('gives a model without ZipMap back unchanged', () => {
    const result = withoutZipMap(plain);
    expect(result.zipMaps).toEqual([]);
    expect(result.bytes).toBe(plain);
  });
});

// Real skl2onnx / onnxmltools models (scripts/model-fixtures.sh).
const fixtureRoot = join(import.meta.dirname, '..', 'fixtures', 'models');
const fixtures = readdirSync(fixtureRoot)
  .filter((d) => d.endsWith('-zipmap'))
  .map((d) => join(fixtureRoot, d, '1', 'model.onnx'));

describe('withoutZipMap on converter output (test/fixtures/models/*-zipmap)', () => {
  it('has the five ZipMap fixtures', () => expect(fixtures).toHaveLength(5));
  for (const path of fixtures) {
    it(path.slice(fixtureRoot.length + 1), async () => {
      const original = new Uint8Array(readFileSync(path));
      const graph = readOnnxGraph(original);
      expect(graph.nodes.some((n) => n.opType === 'ZipMap')).toBe(true);
      const { bytes, zipMaps } = withoutZipMap(original);
      expect(zipMaps).toHaveLength(1);
      const [zipMap] = zipMaps;
      const cut = readOnnxGraph(bytes);
      expect(cut.nodes.some((n) => n.opType === 'ZipMap')).toBe(false);
      expect(cut.outputs.every((o) => o.kind === 'tensor')).toBe(true);
      expect(cut.outputs.map((o) => o.name)).toContain(zipMap.input);

      // Inputs and what Python's onnxruntime gave for them (through the ZipMap), from the fixture generator.
      const expected = JSON.parse(readFileSync(join(path, '..', '..', 'expected.json'), 'utf8')) as {
        inputs: number[][];
        probabilities: number[][];
        labels: (number | string)[];
      };
      const [input] = cut.inputs;
      expect(input.elemType).toBe('float32');
      const rows = expected.inputs.length;
      const width = expected.inputs[0].length;
      const feeds = { [input.name]: new ort.Tensor('float32', Float32Array.from(expected.inputs.flat()), [rows, width]) };
      await expect(run2(original, feeds)).rejects.toThrow(/[Nn]on.tensor/);

      const out = await run2(bytes, feeds);
      const k = zipMap.classLabels.length;
      const p = out[zipMap.input];
      expect(p.dims).toEqual([rows, k]);
      let worst = 0;
      expected.probabilities.forEach((row, r) =>
        row.forEach((v, c) => (worst = Math.max(worst, Math.abs((p.data as Float32Array)[r * k + c] - v)))),
      );
      expect(worst).toBeLessThan(1e-6);
      const label = out[cut.outputs.find((o) => o.name !== zipMap.input)!.name];
      expect(Array.from(label.data as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v))).toEqual(expected.labels);
    });
  }
});

async function run2(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}
