import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeValue, encodeValue } from '../../state/binaryValue.ts';
import { CachedKeyValueStore } from '../../state/CachedKeyValueStore.ts';
import { fuzzSettings } from '../fuzz/fuzzSettings.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Every float64 bit pattern compared, so −0 differs from 0 and NaN equals NaN. */
const bits = (x: number) => Buffer.from(new Float64Array([x]).buffer).toString('hex');

describe('binaryValue', () => {
  it('keeps every float64 exactly: NaN, ±Infinity, −0, subnormals, the extremes', () => {
    const values = [NaN, Infinity, -Infinity, -0, 0, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MIN_VALUE, 0.1 + 0.2, 1e200, 2 ** 53 + 2];
    const back = decodeValue(encodeValue({ values })) as { values: number[] };
    expect(back.values.map(bits)).toEqual(values.map(bits));
    // JSON, the encoding this replaces, turns three of them into null (and −0 into 0).
    expect((JSON.parse(JSON.stringify({ values })) as { values: (number | null)[] }).values.filter((v) => v === null)).toHaveLength(3);
  });

  it('reads like JSON: toJSON is used, key order kept, undefined kept, __proto__ stays a plain key', () => {
    class Snapshot {
      readonly #hidden = 7;
      toJSON() {
        return { hidden: this.#hidden, list: [1, 'two', null, undefined, true, false] };
      }
    }
    const value = { z: 1, a: new Snapshot(), nested: { deep: [[], {}] }, missing: undefined, text: 'BTC-USDT ✓' };
    const back = decodeValue(encodeValue(value)) as Record<string, unknown>;
    expect(back).toEqual({
      z: 1,
      a: { hidden: 7, list: [1, 'two', null, undefined, true, false] },
      nested: { deep: [[], {}] },
      missing: undefined,
      text: 'BTC-USDT ✓',
    });
    expect(Object.keys(back)).toEqual(['z', 'a', 'nested', 'missing', 'text']);
    const proto = decodeValue(encodeValue(JSON.parse('{"__proto__": {"polluted": 1}}'))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('still reads values written as JSON text by earlier versions', () => {
    expect(decodeValue(Buffer.from('{"ts":1,"close":2.5}'))).toEqual({ ts: 1, close: 2.5 });
  });

  it('refuses what it cannot store, and bytes that are not a whole value, with a reason', () => {
    expect(() => encodeValue({ f: () => 1 })).toThrow(/function cannot be stored/);
    expect(() => encodeValue({ n: 1n })).toThrow(/bigint cannot be stored/);
    const bytes = encodeValue({ close: 1.5, symbol: 'BTC-USDT' });
    expect(() => decodeValue(bytes.subarray(0, bytes.length - 3))).toThrow(/ends early/);
    expect(() => decodeValue(Uint8Array.of(...bytes, 0))).toThrow(/after its end/);
    expect(() => decodeValue(Uint8Array.of(0xc5, 42))).toThrow(/unknown tag 42/);
  });

  it('round-trips any JSON-like value with any float64 (property)', () => {
    const anyFloat = fc.double();
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        anyFloat,
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('node')),
        fc.dictionary(fc.string(), tie('node')),
      ),
    })).node;
    // Numbers compared by their bits, so NaN and −0 count.
    const canonical = (v: unknown): unknown =>
      typeof v === 'number'
        ? bits(v)
        : Array.isArray(v)
          ? v.map(canonical)
          : v && typeof v === 'object'
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canonical(x)]))
            : v;
    fc.assert(
      fc.property(value, (v) => {
        expect(canonical(decodeValue(encodeValue(v)))).toEqual(canonical(v));
      }),
      fuzzSettings({ numRuns: 20_000 }),
    );
  });

  it('a store reopened from disk holds NaN, ±Infinity and −0 as they were put', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-binary-'));
    dirs.push(dir);
    const state = { sum: -0, variance: NaN, high: Infinity, low: -Infinity, window: [1e200, 1e-300] };
    const store = new CachedKeyValueStore<typeof state>('kv');
    await store.open(dir);
    store.put('BTC-USDT', state);
    await store.flush('1');
    await store.close();
    const reopened = new CachedKeyValueStore<typeof state>('kv');
    await reopened.open(dir);
    const back = reopened.get('BTC-USDT')!;
    expect([back.sum, back.variance, back.high, back.low, ...back.window].map(bits)).toEqual(
      [-0, NaN, Infinity, -Infinity, 1e200, 1e-300].map(bits),
    );
    expect(reopened.committedMarker).toBe('1');
    await reopened.close();
  });
});
