import { readVarInt, readZigZagBigInt } from 'hyparquet/src/thrift.js';
import type { DataReader } from 'hyparquet';

/**
 * INT64 values held as 32-bit halves (little-endian: low word unsigned, high word signed), the way a
 * BigInt64Array's bytes read through an Int32Array: converted to numbers exactly as Number(bigint) and
 * BigInt division would, with no BigInt per value.
 */
const TWO_32 = 4294967296;

/** Number(v): hi·2³² is exact and adding lo rounds once, as Number(bigint) rounds. */
export function int64Number(lo: number, hi: number): number {
  return hi * TWO_32 + (lo >>> 0);
}

/**
 * Number(v / BigInt(divisor)) (a quotient truncated toward zero) for divisor 1000 or 1,000,000: with
 * 2³² = q·d + r, v = (hi·q)·d + (hi·r + lo), and hi·r + lo is exact. Past what doubles hold exactly
 * (|v / d| near 2⁵³, micros beyond the year 2255) it takes BigInt.
 */
export function int64Quotient(lo: number, hi: number, divisor: 1000 | 1_000_000): number {
  if (divisor === 1000 && (hi >= 0x1fffff || hi <= -0x1fffff)) return Number(int64BigInt(lo, hi) / 1000n);
  const q = divisor === 1000 ? 4294967 : 4294;
  const r = divisor === 1000 ? 296 : 967296;
  const a = hi * r + (lo >>> 0);
  const rest = a % divisor;
  const quotient = hi * q + (a - rest) / divisor;
  // v < 0 with a positive remainder: the floor is one below the truncation.
  return hi < 0 && rest > 0 ? quotient + 1 : quotient;
}

export function int64BigInt(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
}

/**
 * DELTA_BINARY_PACKED INT64 values into halves (out[2i] low, out[2i + 1] high), with Parquet's
 * two's-complement wrap-around; what hyparquet's deltaBinaryUnpack computes with a BigInt per value.
 * Block headers (one per 128 values, typically) still read their zigzag varints as BigInt.
 */
export function deltaBinaryUnpackHalves(reader: DataReader, count: number, out: Int32Array): void {
  const blockSize = readVarInt(reader);
  const miniblocks = readVarInt(reader);
  readVarInt(reader); // the total count, known from the page header
  let [lo, hi] = halves(readZigZagBigInt(reader));
  if (count === 0) return;
  out[0] = lo;
  out[1] = hi;
  let n = 1;
  const perMiniblock = blockSize / miniblocks;
  const { view } = reader;
  while (n < count) {
    const [minLo, minHi] = halves(readZigZagBigInt(reader));
    const widths = reader.offset;
    let offset = widths + miniblocks;
    for (let m = 0; m < miniblocks && n < count; m++) {
      const width = view.getUint8(widths + m);
      const end = offset + (perMiniblock * width) / 8;
      let bit = offset * 8;
      for (let j = 0; j < perMiniblock && n < count; j++) {
        // value += minDelta + bits, each a 64-bit add with carry.
        let s = (lo >>> 0) + (minLo >>> 0);
        hi = (hi + minHi + (s >= TWO_32 ? 1 : 0)) | 0;
        lo = s >>> 0;
        if (width) {
          const bitsLo = readBits(view, bit, width > 32 ? 32 : width);
          const bitsHi = width > 32 ? readBits(view, bit + 32, width - 32) : 0;
          bit += width;
          s = lo + bitsLo;
          hi = (hi + bitsHi + (s >= TWO_32 ? 1 : 0)) | 0;
          lo = s >>> 0;
        }
        out[2 * n] = lo;
        out[2 * n + 1] = hi;
        n++;
      }
      offset = end; // the whole padded miniblock, not the unused ones after the last value
    }
    reader.offset = offset;
  }
}

function halves(value: bigint): [number, number] {
  return [Number(BigInt.asUintN(32, value)), Number(BigInt.asIntN(32, value >> 32n))];
}

/** `width` ≤ 32 bits, least significant first, from bit `bit` of the view: an unsigned number. */
function readBits(view: DataView, bit: number, width: number): number {
  let byte = Math.floor(bit / 8);
  let shift = bit & 7;
  let result = 0;
  let scale = 1;
  let got = 0;
  while (got < width) {
    const take = Math.min(8 - shift, width - got);
    result += ((view.getUint8(byte++) >>> shift) & ((1 << take) - 1)) * scale;
    scale *= 1 << take;
    got += take;
    shift = 0;
  }
  return result;
}
