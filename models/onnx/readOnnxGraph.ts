import { F } from './onnxSchema.ts';
import { fieldFloats, fieldInts, fieldString, LEN, readFields, type ProtoField } from './protobuf.ts';

/** What scoring needs to know of an ONNX model: its main graph's interface, nodes and opsets. */
export interface OnnxGraph {
  irVersion: number;
  producer: string;
  opsetImports: { domain: string; version: number }[];
  /** Graph inputs that are not initializers (IR < 4 lists every initializer as an input too). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  nodes: OnnxNode[];
}

export type OnnxElemType =
  | 'float32'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'float64'
  | 'uint32'
  | 'uint64'
  | 'complex64'
  | 'complex128'
  | 'bfloat16'
  | 'other';

/** TensorProto.DataType, by value. */
const ELEM_TYPES: Record<number, OnnxElemType> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};

export interface OnnxType {
  kind: 'tensor' | 'sequence' | 'map' | 'other';
  /** Tensor: the element type. Map: the key type. */
  elemType?: OnnxElemType;
  /** Tensor: one entry per dimension, a size, a symbolic name, or null when unknown; absent when the rank is unknown. */
  shape?: (number | string | null)[];
  /** Sequence: the element type. Map: the value type. */
  valueType?: OnnxType;
}

export interface OnnxValueInfo extends OnnxType {
  name: string;
}

export interface OnnxAttribute {
  ints?: number[];
  floats?: number[];
  strings?: string[];
  i?: number;
  f?: number;
  s?: string;
}

export interface OnnxNode {
  opType: string;
  /** "" for the default ai.onnx domain. */
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttribute>;
}

export function readOnnxGraph(bytes: Uint8Array): OnnxGraph {
  const graph: OnnxGraph = { irVersion: 0, producer: '', opsetImports: [], inputs: [], outputs: [], nodes: [] };
  let graphBytes: Uint8Array | undefined;
  for (const f of readFields(bytes)) {
    if (f.field === F.model.irVersion) graph.irVersion = f.varint;
    else if (f.field === F.model.producerName) graph.producer = fieldString(f);
    else if (f.field === F.model.graph) graphBytes = f.data;
    else if (f.field === F.model.opsetImport) {
      const opset = { domain: '', version: 0 };
      for (const g of readFields(f.data)) {
        if (g.field === F.opset.domain) opset.domain = fieldString(g);
        else if (g.field === F.opset.version) opset.version = g.varint;
      }
      graph.opsetImports.push(opset);
    }
  }
  if (!graphBytes) throw new Error('ONNX model has no graph');
  const initializers = new Set<string>();
  const inputs: OnnxValueInfo[] = [];
  for (const f of readFields(graphBytes)) {
    if (f.field === F.graph.node) graph.nodes.push(readNode(f.data));
    else if (f.field === F.graph.input) inputs.push(readValueInfo(f.data));
    else if (f.field === F.graph.output) graph.outputs.push(readValueInfo(f.data));
    else if (f.field === F.graph.initializer) {
      for (const g of readFields(f.data)) if (g.field === TENSOR_NAME) initializers.add(fieldString(g));
    }
  }
  graph.inputs = inputs.filter((i) => !initializers.has(i.name));
  return graph;
}

/** TensorProto.name */
const TENSOR_NAME = 8;

export function readNode(bytes: Uint8Array): OnnxNode {
  const node: OnnxNode = { opType: '', domain: '', name: '', inputs: [], outputs: [], attributes: {} };
  for (const f of readFields(bytes)) {
    if (f.field === F.node.input) node.inputs.push(fieldString(f));
    else if (f.field === F.node.output) node.outputs.push(fieldString(f));
    else if (f.field === F.node.name) node.name = fieldString(f);
    else if (f.field === F.node.opType) node.opType = fieldString(f);
    else if (f.field === F.node.domain) node.domain = fieldString(f);
    else if (f.field === F.node.attribute) {
      const [name, value] = readAttribute(f.data);
      node.attributes[name] = value;
    }
  }
  return node;
}

/** Name and the scalar / list values of an AttributeProto (tensors, graphs and type protos are skipped). */
function readAttribute(bytes: Uint8Array): [string, OnnxAttribute] {
  let name = '';
  const a: OnnxAttribute = {};
  for (const f of readFields(bytes)) {
    switch (f.field) {
      case F.attribute.name:
        name = fieldString(f);
        break;
      case F.attribute.f:
        a.f = fieldFloats(f)[0];
        break;
      case F.attribute.i:
        a.i = f.varint;
        break;
      case F.attribute.s:
        a.s = fieldString(f);
        break;
      case F.attribute.floats:
        (a.floats ??= []).push(...fieldFloats(f));
        break;
      case F.attribute.ints:
        (a.ints ??= []).push(...fieldInts(f));
        break;
      case F.attribute.strings:
        (a.strings ??= []).push(fieldString(f));
        break;
    }
  }
  return [name, a];
}

export function readValueInfo(bytes: Uint8Array): OnnxValueInfo {
  let name = '';
  let type: OnnxType = { kind: 'other' };
  for (const f of readFields(bytes)) {
    if (f.field === F.valueInfo.name) name = fieldString(f);
    else if (f.field === F.valueInfo.type) type = readType(f.data);
  }
  return { name, ...type };
}

function readType(bytes: Uint8Array): OnnxType {
  for (const f of readFields(bytes)) {
    if (f.wireType !== LEN) continue;
    if (f.field === F.type.tensor) return readTensorType(f.data);
    if (f.field === F.type.sequence) {
      const t: OnnxType = { kind: 'sequence' };
      for (const g of readFields(f.data)) if (g.field === F.sequenceType.elemType) t.valueType = readType(g.data);
      return t;
    }
    if (f.field === F.type.map) {
      const t: OnnxType = { kind: 'map' };
      for (const g of readFields(f.data)) {
        if (g.field === F.mapType.keyType) t.elemType = elemType(g);
        else if (g.field === F.mapType.valueType) t.valueType = readType(g.data);
      }
      return t;
    }
  }
  return { kind: 'other' };
}

function readTensorType(bytes: Uint8Array): OnnxType {
  const t: OnnxType = { kind: 'tensor' };
  for (const f of readFields(bytes)) {
    if (f.field === F.tensorType.elemType) t.elemType = elemType(f);
    else if (f.field === F.tensorType.shape) {
      t.shape = [];
      for (const d of readFields(f.data)) {
        if (d.field !== F.shape.dim) continue;
        let dim: number | string | null = null;
        for (const g of readFields(d.data)) {
          if (g.field === F.dim.value) dim = g.varint;
          else if (g.field === F.dim.param) dim = fieldString(g) || null;
        }
        t.shape.push(dim);
      }
    }
  }
  return t;
}

function elemType(f: ProtoField): OnnxElemType {
  return ELEM_TYPES[f.varint] ?? 'other';
}
