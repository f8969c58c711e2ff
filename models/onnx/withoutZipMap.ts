import { ELEM_FLOAT, F, ML_DOMAIN, tensorValueInfo } from './onnxSchema.ts';
import { readFields, ProtoWriter } from './protobuf.ts';
import { readNode, readValueInfo, type OnnxNode } from './readOnnxGraph.ts';

export interface RemovedZipMap {
  /** The graph output the ZipMap produced (a sequence of maps), now gone. */
  output: string;
  /** The ZipMap's input, the float tensor [N, classes] that is now a graph output instead. */
  input: string;
  /** The ZipMap's keys, in probability-column order. */
  classLabels: (number | string)[];
}

/**
 * onnxruntime-node returns tensors only, and skl2onnx / onnxmltools classifiers end in a ZipMap
 * (ai.onnx.ml) that turns the probability tensor into a sequence of maps. For each graph output a
 * ZipMap produces, this drops the ZipMap and makes its input tensor a graph output in its place.
 *
 * Only the main graph's node and output fields are rewritten; every other field, known or not, is
 * copied as it is. Without such a ZipMap the input comes back as it is (the same array).
 */
export function withoutZipMap(bytes: Uint8Array): { bytes: Uint8Array; zipMaps: RemovedZipMap[] } {
  const modelFields = readFields(bytes);
  const graphFields = modelFields.filter((f) => f.field === F.model.graph);
  if (graphFields.length !== 1) throw new Error(`ONNX model has ${graphFields.length} graph fields, expected 1`);
  const fields = readFields(graphFields[0].data);

  const nodes: OnnxNode[] = [];
  const outputNames = new Set<string>();
  let firstInputDim: number | string | null = null;
  let sawInput = false;
  for (const f of fields) {
    if (f.field === F.graph.node) nodes.push(readNode(f.data));
    else if (f.field === F.graph.output) outputNames.add(readValueInfo(f.data).name);
    else if (f.field === F.graph.input && !sawInput) {
      sawInput = true;
      const input = readValueInfo(f.data);
      if (input.kind === 'tensor' && input.shape && input.shape.length > 0) firstInputDim = input.shape[0];
    }
  }

  const consumed = new Set(nodes.flatMap((n) => n.inputs));
  const removed = new Map<string, RemovedZipMap>();
  const dropped = new Set<number>();
  nodes.forEach((n, i) => {
    if (n.opType !== 'ZipMap' || n.domain !== ML_DOMAIN || n.inputs.length !== 1 || n.outputs.length !== 1) return;
    const output = n.outputs[0];
    if (!outputNames.has(output) || consumed.has(output)) return;
    const a = n.attributes;
    const classLabels: (number | string)[] = a.classlabels_int64s?.ints ?? a.classlabels_strings?.strings ?? [];
    removed.set(output, { output, input: n.inputs[0], classLabels });
    dropped.add(i);
  });
  if (removed.size === 0) return { bytes, zipMaps: [] };

  const graph = new ProtoWriter();
  const written = new Set<string>();
  let nodeIndex = 0;
  for (const f of fields) {
    if (f.field === F.graph.node) {
      if (!dropped.has(nodeIndex++)) graph.raw(f.raw);
    } else if (f.field === F.graph.output) {
      const name = readValueInfo(f.data).name;
      const zipMap = removed.get(name);
      if (!zipMap) {
        graph.raw(f.raw);
        written.add(name);
      } else if (!outputNames.has(zipMap.input) && !written.has(zipMap.input)) {
        // (When the probabilities are already a graph output, the ZipMap's output just goes.)
        graph.bytes(F.graph.output, tensorValueInfo(zipMap.input, ELEM_FLOAT, [firstInputDim, zipMap.classLabels.length || null]));
        written.add(zipMap.input);
      }
    } else {
      graph.raw(f.raw);
    }
  }

  const model = new ProtoWriter();
  for (const f of modelFields) {
    if (f.field === F.model.graph) model.bytes(F.model.graph, graph.finish());
    else model.raw(f.raw);
  }
  return { bytes: model.finish(), zipMaps: [...removed.values()] };
}
