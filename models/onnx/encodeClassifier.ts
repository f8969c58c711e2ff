import { ATTR, ELEM_FLOAT, ELEM_INT64, F, ML_DOMAIN, tensorValueInfo } from './onnxSchema.ts';
import type { LinearModel, TrainedModel, TreeEnsembleModel, TreeNode } from '../training/TrainedModel.ts';
import { ProtoWriter } from './protobuf.ts';

/**
 * A trained model as an ONNX-ML classifier (ModelProto bytes): one float input [N, featureCount],
 * outputs `label` (int64 [N]) and `probabilities` (float [N, classes], columns in `classes` order).
 *
 * LinearModel → LinearClassifier, post_transform SOFTMAX (after a Scaler when the model has one).
 * TreeEnsembleModel → TreeEnsembleClassifier (ai.onnx.ml 3), every split BRANCH_LEQ (left when
 * x <= threshold). Multiclass: one base value per class and SOFTMAX over the class scores.
 *
 * Binary trees use onnxruntime's "binary case" (two class labels, every vote for class id 0,
 * post_transform LOGISTIC, one base value): it sums base + leaves into one score s and writes
 * [sigmoid(-s), sigmoid(s)], label classes[s > 0 ? 1 : 0]. The one score is the model's score for
 * class index 1 (with two base scores: b1 - b0, class-0 leaves negated). When no class weight is
 * negative, onnxruntime (1.30) labels by s > 0.5 instead, so a tree that no input reaches adds a
 * negative weight when needed.
 */

export const IR_VERSION = 8;
/** ai.onnx opset, imported as converters do, though the graph uses no ai.onnx operator. */
export const ONNX_OPSET = 17;
/** ai.onnx.ml opset 3: TreeEnsembleClassifier-3, LinearClassifier-1 (and ZipMap-1). Opset 5 drops TreeEnsembleClassifier. */
export const ONNX_ML_OPSET = 3;
export const LABEL_OUTPUT = 'label';
export const PROBABILITIES_OUTPUT = 'probabilities';

export interface EncodeOptions {
  /** Name of the graph input, a float tensor [N, featureCount]. */
  inputName: string;
  featureCount: number;
  /** ModelProto.producer_name; default "candlestream". */
  producer?: string;
}

export function encodeClassifier(model: TrainedModel, options: EncodeOptions): Uint8Array {
  const { inputName, featureCount } = options;
  if (!Number.isInteger(featureCount) || featureCount < 1) throw new RangeError(`encodeClassifier: featureCount ${featureCount}`);
  const classes = model.classes;
  if (classes.length < 2) throw new RangeError(`encodeClassifier: ${classes.length} classes; a classifier needs at least 2`);
  for (const c of classes) if (!Number.isSafeInteger(c)) throw new RangeError(`encodeClassifier: class label ${c} is not an integer`);
  if (new Set(classes).size !== classes.length) throw new RangeError(`encodeClassifier: duplicate class labels ${JSON.stringify(classes)}`);

  const graph = new ProtoWriter();
  let classifierInput = inputName;
  if (model.kind === 'linear' && model.scaler) {
    const { offset, scale } = model.scaler;
    if (offset.length !== featureCount || scale.length !== featureCount)
      throw new RangeError(
        `encodeClassifier: scaler has ${offset.length} offsets and ${scale.length} scales, featureCount is ${featureCount}`,
      );
    classifierInput = 'standardized';
    const scaler = new ProtoWriter();
    scaler
      .string(F.node.input, inputName)
      .string(F.node.output, classifierInput)
      .string(F.node.name, 'Scaler')
      .string(F.node.opType, 'Scaler');
    floats(scaler, 'offset', offset);
    floats(scaler, 'scale', scale);
    scaler.string(F.node.domain, ML_DOMAIN);
    graph.bytes(F.graph.node, scaler.finish());
  }
  const node = new ProtoWriter();
  node.string(F.node.input, classifierInput).string(F.node.output, LABEL_OUTPUT).string(F.node.output, PROBABILITIES_OUTPUT);
  if (model.kind === 'linear') {
    node.string(F.node.name, 'LinearClassifier').string(F.node.opType, 'LinearClassifier');
    linearAttributes(node, model, featureCount);
  } else {
    node.string(F.node.name, 'TreeEnsembleClassifier').string(F.node.opType, 'TreeEnsembleClassifier');
    treeAttributes(node, model, featureCount);
  }
  node.string(F.node.domain, ML_DOMAIN);
  graph.bytes(F.graph.node, node.finish());
  graph.string(F.graph.name, 'candlestream');
  graph.bytes(F.graph.input, tensorValueInfo(inputName, ELEM_FLOAT, ['N', featureCount]));
  graph.bytes(F.graph.output, tensorValueInfo(LABEL_OUTPUT, ELEM_INT64, ['N']));
  graph.bytes(F.graph.output, tensorValueInfo(PROBABILITIES_OUTPUT, ELEM_FLOAT, ['N', classes.length]));

  const out = new ProtoWriter();
  out.varint(F.model.irVersion, IR_VERSION);
  out.string(F.model.producerName, options.producer ?? 'candlestream');
  out.bytes(F.model.graph, graph.finish());
  out.message(F.model.opsetImport, (w) => w.string(F.opset.domain, '').varint(F.opset.version, ONNX_OPSET));
  out.message(F.model.opsetImport, (w) => w.string(F.opset.domain, ML_DOMAIN).varint(F.opset.version, ONNX_ML_OPSET));
  return out.finish();
}

function attribute(node: ProtoWriter, name: string, type: number, write: (a: ProtoWriter) => void): void {
  node.message(F.node.attribute, (a) => {
    a.string(F.attribute.name, name).varint(F.attribute.type, type);
    write(a);
  });
}

const ints = (node: ProtoWriter, name: string, values: ArrayLike<number>) =>
  attribute(node, name, ATTR.INTS, (a) => a.packedInt64s(F.attribute.ints, values));
const floats = (node: ProtoWriter, name: string, values: ArrayLike<number>) =>
  attribute(node, name, ATTR.FLOATS, (a) => a.packedFloats(F.attribute.floats, values));
const str = (node: ProtoWriter, name: string, value: string) => attribute(node, name, ATTR.STRING, (a) => a.string(F.attribute.s, value));
const strs = (node: ProtoWriter, name: string, values: readonly string[]) =>
  attribute(node, name, ATTR.STRINGS, (a) => {
    for (const s of values) a.string(F.attribute.strings, s);
  });

function linearAttributes(node: ProtoWriter, model: LinearModel, featureCount: number): void {
  const k = model.classes.length;
  if (model.coefficients.length !== k || model.intercepts.length !== k) {
    throw new RangeError(
      `encodeClassifier: linear model has ${model.coefficients.length} coefficient rows and ${model.intercepts.length} intercepts for ${k} classes`,
    );
  }
  const coefficients: number[] = [];
  for (const row of model.coefficients) {
    if (row.length !== featureCount)
      throw new RangeError(`encodeClassifier: linear model row has ${row.length} coefficients, featureCount is ${featureCount}`);
    coefficients.push(...row);
  }
  ints(node, 'classlabels_ints', model.classes);
  floats(node, 'coefficients', coefficients);
  floats(node, 'intercepts', model.intercepts);
  str(node, 'post_transform', 'SOFTMAX');
}

/** Every node reachable from the root (node 0) once at most: no cycles, no shared subtrees. */
function checkTree(nodes: readonly TreeNode[], t: number): void {
  const seen = new Uint8Array(nodes.length);
  const stack = [0];
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (!(Number.isInteger(i) && i >= 0 && i < nodes.length))
      throw new RangeError(`encodeClassifier: tree ${t} refers to node ${i}, the tree has ${nodes.length} nodes`);
    if (seen[i]) throw new RangeError(`encodeClassifier: tree ${t} reaches node ${i} twice; not a tree`);
    seen[i] = 1;
    if (nodes[i].feature !== -1) stack.push(nodes[i].left, nodes[i].right);
  }
}

interface Votes {
  treeIds: number[];
  nodeIds: number[];
  classIds: number[];
  weights: number[];
}

function treeAttributes(node: ProtoWriter, model: TreeEnsembleModel, featureCount: number): void {
  const k = model.classes.length;
  const binary = k === 2;
  const width = model.baseScores.length;
  if (binary ? width !== 1 && width !== 2 : width !== k)
    throw new RangeError(`encodeClassifier: tree model has ${width} base scores for ${k} classes`);

  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const values: number[] = [];
  const modes: string[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const votes: Votes = { treeIds: [], nodeIds: [], classIds: [], weights: [] };

  model.trees.forEach((tree, t) => {
    const c = tree.classIndex;
    if (!(Number.isInteger(c) && c >= 0 && c < k) || (binary && width === 1 && c !== 1)) {
      throw new RangeError(`encodeClassifier: tree ${t} is for class index ${c}; the model has ${k} classes and ${width} base scores`);
    }
    const n = tree.nodes.length;
    if (n === 0) throw new RangeError(`encodeClassifier: tree ${t} has no nodes`);
    checkTree(tree.nodes, t);
    tree.nodes.forEach((nd, i) => {
      treeIds.push(t);
      nodeIds.push(i);
      if (nd.feature === -1) {
        modes.push('LEAF');
        featureIds.push(0);
        values.push(0);
        trueIds.push(0);
        falseIds.push(0);
        votes.treeIds.push(t);
        votes.nodeIds.push(i);
        // Binary: one score, for class index 1, carried by class id 0 (see binaryTreeVotes).
        votes.classIds.push(binary ? 0 : c);
        votes.weights.push(binary && c === 0 ? -nd.value : nd.value);
      } else {
        if (!(Number.isInteger(nd.feature) && nd.feature >= 0 && nd.feature < featureCount)) {
          throw new RangeError(`encodeClassifier: tree ${t} node ${i} uses feature ${nd.feature}, featureCount is ${featureCount}`);
        }
        for (const child of [nd.left, nd.right]) {
          if (!(Number.isInteger(child) && child >= 0 && child < n))
            throw new RangeError(`encodeClassifier: tree ${t} node ${i} has child ${child}, the tree has ${n} nodes`);
        }
        // ONNX holds float32 thresholds: any other would move the split for inputs next to it.
        if (Math.fround(nd.threshold) !== nd.threshold && !Number.isNaN(nd.threshold)) {
          throw new RangeError(
            `encodeClassifier: tree ${t} node ${i} threshold ${nd.threshold} is not a float32 (Math.fround it when training)`,
          );
        }
        modes.push('BRANCH_LEQ');
        featureIds.push(nd.feature);
        values.push(nd.threshold);
        trueIds.push(nd.left);
        falseIds.push(nd.right);
      }
    });
  });

  let baseValues: number[];
  if (binary) {
    baseValues = [width === 1 ? model.baseScores[0] : model.baseScores[1] - model.baseScores[0]];
    if (!votes.weights.some((w) => w < 0)) {
      // onnxruntime's binary case labels by score > 0 only when some class weight is negative; with
      // none it labels by score > 0.5. A negative vote at a leaf that no input reaches fixes that.
      const t = model.trees.length;
      treeIds.push(t, t, t);
      nodeIds.push(0, 1, 2);
      modes.push('BRANCH_LEQ', 'LEAF', 'LEAF');
      featureIds.push(0, 0, 0);
      values.push(NaN, 0, 0); // x <= NaN is false for every x: always the false branch, node 2
      trueIds.push(1, 0, 0);
      falseIds.push(2, 0, 0);
      votes.treeIds.push(t, t);
      votes.nodeIds.push(1, 2);
      votes.classIds.push(0, 0);
      votes.weights.push(-1, 0);
    }
  } else {
    baseValues = [...model.baseScores];
  }

  ints(node, 'classlabels_int64s', model.classes);
  ints(node, 'nodes_treeids', treeIds);
  ints(node, 'nodes_nodeids', nodeIds);
  ints(node, 'nodes_featureids', featureIds);
  floats(node, 'nodes_values', values);
  strs(node, 'nodes_modes', modes);
  ints(node, 'nodes_truenodeids', trueIds);
  ints(node, 'nodes_falsenodeids', falseIds);
  ints(node, 'class_treeids', votes.treeIds);
  ints(node, 'class_nodeids', votes.nodeIds);
  ints(node, 'class_ids', votes.classIds);
  floats(node, 'class_weights', votes.weights);
  floats(node, 'base_values', baseValues);
  str(node, 'post_transform', binary ? 'LOGISTIC' : 'SOFTMAX');
}
