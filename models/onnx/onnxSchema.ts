import { ProtoWriter } from './protobuf.ts';

/** The parts of onnx.proto (field numbers, enum values) that the ONNX reader, writer and ZipMap removal use. */

export const ML_DOMAIN = 'ai.onnx.ml';

/** onnx.proto TensorProto.DataType values used here. */
export const ELEM_FLOAT = 1;
export const ELEM_INT64 = 7;

/** onnx.proto field numbers. */
export const F = {
  model: { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 },
  opset: { domain: 1, version: 2 },
  graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12, valueInfo: 13 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 },
  attribute: { name: 1, f: 2, i: 3, s: 4, floats: 7, ints: 8, strings: 9, type: 20 },
  valueInfo: { name: 1, type: 2 },
  type: { tensor: 1, sequence: 4, map: 5 },
  tensorType: { elemType: 1, shape: 2 },
  sequenceType: { elemType: 1 },
  mapType: { keyType: 1, valueType: 2 },
  shape: { dim: 1 },
  dim: { value: 1, param: 2 },
} as const;

/** AttributeProto.AttributeType values. */
export const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** A ValueInfoProto for a tensor; a dim is a size, a symbolic name, or null for unknown. */
export function tensorValueInfo(name: string, elemType: number, dims: readonly (number | string | null)[]): Uint8Array {
  const shape = new ProtoWriter();
  for (const d of dims) {
    shape.message(F.shape.dim, (w) => {
      if (typeof d === 'number') w.varint(F.dim.value, d);
      else if (typeof d === 'string') w.string(F.dim.param, d);
    });
  }
  const tensor = new ProtoWriter().varint(F.tensorType.elemType, elemType).bytes(F.tensorType.shape, shape.finish());
  const type = new ProtoWriter().bytes(F.type.tensor, tensor.finish());
  return new ProtoWriter().string(F.valueInfo.name, name).bytes(F.valueInfo.type, type.finish()).finish();
}
