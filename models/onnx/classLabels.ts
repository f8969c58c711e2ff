import type { OnnxGraph, OnnxNode } from './readOnnxGraph.ts';

/** Nodes that hand their input's columns on unchanged in order. */
const PASS_THROUGH = new Set(['Identity', 'Normalizer', 'Cast']);

/**
 * The class labels, in column order, of the classifier behind a probability output: the
 * `classlabels_*` attribute of the ONNX-ML classifier node (LinearClassifier, TreeEnsembleClassifier,
 * SVMClassifier…) that produces it, through Identity, Normalizer or Cast nodes. Undefined when the
 * output comes from something else (then the manifest's order cannot be checked against the model).
 */
export function classLabelsOf(graph: OnnxGraph, output: string): (number | string)[] | undefined {
  const producer = new Map<string, OnnxNode>();
  for (const node of graph.nodes) for (const o of node.outputs) producer.set(o, node);
  let node = producer.get(output);
  for (let hops = 0; node && hops < 16; hops++) {
    const a = node.attributes;
    const labels = a.classlabels_ints?.ints ?? a.classlabels_int64s?.ints ?? a.classlabels_strings?.strings;
    if (labels && node.domain === 'ai.onnx.ml') return labels;
    if (!PASS_THROUGH.has(node.opType) || !node.inputs[0]) return undefined;
    node = producer.get(node.inputs[0]);
  }
  return undefined;
}
