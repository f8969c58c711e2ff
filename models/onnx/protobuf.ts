/**
 * The protobuf wire format, as much of it as ONNX needs: a writer that appends fields to a growing
 * buffer, and a reader that splits a message into its fields without a schema.
 *
 * Integers go through int64 encoding: a negative value is its 64-bit two's complement (ten bytes),
 * which is also how protobuf encodes a negative int32 or enum. Read back, varints are interpreted
 * as signed int64 and returned as numbers (exact up to 2^53).
 */

/** Wire types: VARINT, I64 (fixed 8 bytes), LEN (length-delimited), I32 (fixed 4 bytes). */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

export class ProtoWriter {
  #buf = new Uint8Array(256);
  #view = new DataView(this.#buf.buffer);
  #len = 0;

  get length(): number {
    return this.#len;
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  #rawVarint(value: number | bigint): void {
    this.#reserve(10);
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      while (value >= 0x80) {
        this.#buf[this.#len++] = (value % 0x80) | 0x80;
        value = Math.floor(value / 0x80);
      }
      this.#buf[this.#len++] = value;
      return;
    }
    if (typeof value === 'number' && !Number.isInteger(value)) throw new RangeError(`protobuf: varint ${value} is not an integer`);
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.#buf[this.#len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.#len++] = Number(v);
  }

  #tag(field: number, wireType: number): void {
    this.#rawVarint(field * 8 + wireType);
  }

  /** An int32, int64, uint64, bool or enum field (negative values as 64-bit two's complement). */
  varint(field: number, value: number | bigint | boolean): this {
    this.#tag(field, VARINT);
    this.#rawVarint(typeof value === 'boolean' ? (value ? 1 : 0) : value);
    return this;
  }

  /** A float field (fixed32, little-endian; the value is rounded to float32). */
  float(field: number, value: number): this {
    this.#tag(field, I32);
    this.#reserve(4);
    this.#view.setFloat32(this.#len, value, true);
    this.#len += 4;
    return this;
  }

  /** A bytes field, or an already encoded sub-message. */
  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, LEN);
    this.#rawVarint(value.length);
    this.raw(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8Encoder.encode(value));
  }

  /** A sub-message, written by `build` into its own writer. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    build(w);
    return this.bytes(field, w.finish());
  }

  /** A packed repeated float field (written even when empty: callers skip absent fields themselves). */
  packedFloats(field: number, values: ArrayLike<number>): this {
    this.#tag(field, LEN);
    this.#rawVarint(values.length * 4);
    this.#reserve(values.length * 4);
    for (let i = 0; i < values.length; i++) {
      this.#view.setFloat32(this.#len, values[i], true);
      this.#len += 4;
    }
    return this;
  }

  /** A packed repeated int64 (or int32, enum) field. */
  packedInt64s(field: number, values: ArrayLike<number | bigint>): this {
    const w = new ProtoWriter();
    for (let i = 0; i < values.length; i++) w.#rawVarint(values[i]);
    return this.bytes(field, w.finish());
  }

  /** Bytes appended as they are: fields copied from another message. */
  raw(bytes: Uint8Array): this {
    this.#reserve(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
    return this;
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

/** One field of a message, as it is on the wire. */
export interface ProtoField {
  field: number;
  wireType: number;
  /** VARINT: the value as a signed int64 (a number; exact up to 2^53). 0 for other wire types. */
  varint: number;
  /** LEN: the payload; I32/I64: the 4/8 raw bytes; VARINT: empty. A view into the input. */
  data: Uint8Array;
  /** The whole field, tag included: a view into the input, to copy the field unchanged. */
  raw: Uint8Array;
}

/** Reads a varint at `pos`: [value as signed int64, next position]. */
function readVarint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new RangeError('protobuf: truncated varint');
    const b = bytes[pos++];
    if (i < 7) {
      value += (b & 0x7f) * scale;
      scale *= 0x80;
      if (b < 0x80) return [value, pos];
    } else {
      // Eight bytes or more: past 2^49, possibly negative. Redo it exactly in bigint.
      return readVarintBig(bytes, pos - i - 1);
    }
  }
  throw new RangeError('protobuf: varint longer than 10 bytes');
}

function readVarintBig(bytes: Uint8Array, pos: number): [number, number] {
  let v = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new RangeError('protobuf: truncated varint');
    const b = bytes[pos++];
    v |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if (b < 0x80) return [Number(BigInt.asIntN(64, v)), pos];
  }
  throw new RangeError('protobuf: varint longer than 10 bytes');
}

/** The fields of one message, in wire order. Groups (wire types 3, 4) are rejected. */
export function readFields(bytes: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(bytes, pos);
    pos = afterTag;
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (field < 1) throw new RangeError(`protobuf: field number ${field} at byte ${start}`);
    let varint = 0;
    let data: Uint8Array;
    if (wireType === VARINT) {
      [varint, pos] = readVarint(bytes, pos);
      data = bytes.subarray(pos, pos);
    } else if (wireType === LEN) {
      const [len, afterLen] = readVarint(bytes, pos);
      if (len < 0 || afterLen + len > bytes.length) throw new RangeError(`protobuf: field ${field} length ${len} runs past the end`);
      data = bytes.subarray(afterLen, afterLen + len);
      pos = afterLen + len;
    } else if (wireType === I32 || wireType === I64) {
      const n = wireType === I32 ? 4 : 8;
      if (pos + n > bytes.length) throw new RangeError(`protobuf: field ${field} runs past the end`);
      data = bytes.subarray(pos, pos + n);
      pos += n;
    } else {
      throw new RangeError(`protobuf: unsupported wire type ${wireType} (field ${field}) at byte ${start}`);
    }
    fields.push({ field, wireType, varint, data, raw: bytes.subarray(start, pos) });
  }
  return fields;
}

export function fieldString(f: ProtoField): string {
  return utf8Decoder.decode(f.data);
}

/** A float field's value (I32), or the values of a packed repeated float field (LEN). */
export function fieldFloats(f: ProtoField): number[] {
  if (f.wireType !== I32 && f.wireType !== LEN) throw new RangeError(`protobuf: field ${f.field} is not a float`);
  const view = new DataView(f.data.buffer, f.data.byteOffset, f.data.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= f.data.length; i += 4) out.push(view.getFloat32(i, true));
  return out;
}

/** A varint field's value, or the values of a packed repeated varint field (LEN). */
export function fieldInts(f: ProtoField): number[] {
  if (f.wireType === VARINT) return [f.varint];
  if (f.wireType !== LEN) throw new RangeError(`protobuf: field ${f.field} is not an integer`);
  const out: number[] = [];
  let pos = 0;
  while (pos < f.data.length) {
    let v: number;
    [v, pos] = readVarint(f.data, pos);
    out.push(v);
  }
  return out;
}
