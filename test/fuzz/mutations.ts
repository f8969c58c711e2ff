import fc from 'fast-check';

/** One change to a byte string: flipped bytes, a truncation, a run spliced in, or a run cut out. */
export type Mutation =
  | { kind: 'flip'; at: number[]; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; bytes: Uint8Array }
  | { kind: 'cut'; at: number; length: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
    value: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
);

/** `bytes` with the mutation applied (positions taken modulo the length); the input is not changed. */
export function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const out = Uint8Array.from(bytes);
  if (!out.length) return m.kind === 'splice' ? Uint8Array.from(m.bytes) : out;
  switch (m.kind) {
    case 'flip':
      for (const at of m.at) out[at % out.length] ^= m.value;
      return out;
    case 'truncate':
      return out.subarray(0, m.at % out.length);
    case 'splice': {
      const at = m.at % (out.length + 1);
      return Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    }
    case 'cut': {
      const at = m.at % out.length;
      return Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)]);
    }
  }
}
