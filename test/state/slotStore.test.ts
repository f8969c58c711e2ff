import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CachedKeyValueStore } from '../../state/CachedKeyValueStore.ts';
import { SlotStore, type SlotCodec } from '../../state/SlotStore.ts';
import { decodeValue, encodeValue, type BinaryWriter } from '../../state/binaryValue.ts';
import { fuzzSettings } from '../fuzz/fuzzSettings.ts';

/** The object a key-value store would hold: a last-seen record with a nullable close and a short history. */
interface Seen {
  ts: number;
  close: number | null;
  recent: number[];
}

/** The same state in arrays, as a processor on slots keeps it (history: up to 3 values in a ring). */
class SeenSlots implements SlotCodec {
  ts = new Float64Array(128);
  close = new Float64Array(128);
  closeNull = new Uint8Array(128);
  ring = new Float64Array(128 * 3);
  head = new Int32Array(128);
  count = new Int32Array(128);

  read(slot: number, value: unknown): void {
    const v = value as Seen | undefined;
    this.ts[slot] = v?.ts ?? 0;
    this.closeNull[slot] = v?.close == null ? 1 : 0;
    this.close[slot] = v?.close ?? 0;
    this.head[slot] = this.count[slot] = 0;
    for (const x of v?.recent ?? []) this.push(slot, x);
  }

  write(slot: number, w: BinaryWriter): void {
    w.object(3);
    w.key('ts');
    w.number(this.ts[slot]);
    w.key('close');
    w.numberOrNull(this.close[slot], this.closeNull[slot] === 1);
    w.key('recent');
    w.array(this.count[slot]);
    for (let i = 0; i < this.count[slot]; i++) w.number(this.ring[slot * 3 + ((this.head[slot] + i) % 3)]);
  }

  update(slot: number, ts: number, close: number | null): void {
    this.ts[slot] = ts;
    this.closeNull[slot] = close === null ? 1 : 0;
    this.close[slot] = close ?? 0;
    this.push(slot, ts);
  }

  push(slot: number, x: number): void {
    const n = this.count[slot];
    this.ring[slot * 3 + ((this.head[slot] + n) % 3)] = x;
    if (n < 3) this.count[slot]++;
    else this.head[slot] = (this.head[slot] + 1) % 3;
  }

  snapshot(slot: number): Seen {
    const recent = [];
    for (let i = 0; i < this.count[slot]; i++) recent.push(this.ring[slot * 3 + ((this.head[slot] + i) % 3)]);
    return { ts: this.ts[slot], close: this.closeNull[slot] ? null : this.close[slot], recent };
  }
}

/** What the key-value store does with the same update. */
function updated(old: Seen | undefined, ts: number, close: number | null): Seen {
  return { ts, close, recent: [...(old?.recent ?? []), ts].slice(-3) };
}

const KEYS = ['BTC|1m', 'ETH|1m', 'BTC|5m', 'SOL|1d', 'A|1m'];
const float = fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e-300));
type Op =
  | { op: 'update'; key: number; ts: number; close: number | null }
  | { op: 'restore'; key: number; value: { ts: number; close: number | null; recent: number[] } | null }
  | { op: 'flush' };
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('update' as const), key: fc.nat(KEYS.length - 1), ts: float, close: fc.option(float) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('restore' as const),
      key: fc.nat(KEYS.length - 1),
      value: fc.option(fc.record({ ts: float, close: fc.option(float), recent: fc.array(float, { maxLength: 3 }) })),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ op: 'flush' as const }) },
);

type Change = [string, Uint8Array | null];
const hex = (changes: Change[]) => changes.map(([k, v]) => [k, v && Buffer.from(v).toString('hex')]);

/** Runs the history on a key-value store and on a slot store (slots bound in an order of their own); returns both change logs. */
async function both(history: Op[], bindOrder: number[]) {
  const kv = new CachedKeyValueStore<Seen>('s');
  const slots = new SlotStore('s');
  const codec = new SeenSlots();
  slots.use(codec);
  await kv.open(undefined);
  await slots.open(undefined);
  const slotOf = (key: number) => bindOrder.indexOf(key) * 7 + 1; // sparse slots, as symbol × interval gives
  const kvLog: Change[] = [];
  const slotLog: Change[] = [];
  for (const h of history) {
    if (h.op === 'flush') {
      await kv.flush('m', (k, v) => kvLog.push([k, v]));
      await slots.flush('m', (k, v) => slotLog.push([k, v]));
      continue;
    }
    const key = KEYS[h.key];
    const slot = slotOf(h.key);
    if (h.op === 'restore') {
      const bytes = h.value && encodeValue(h.value);
      kv.restore(key, bytes);
      slots.restore(key, bytes);
      continue;
    }
    kv.put(key, updated(kv.get(key), h.ts, h.close));
    if (!slots.bound(slot)) slots.bind(slot, key);
    codec.update(slot, h.ts, h.close);
    slots.changed(slot);
  }
  await kv.flush('end', (k, v) => kvLog.push([k, v]));
  await slots.flush('end', (k, v) => slotLog.push([k, v]));
  return { kv, slots, codec, slotOf, kvLog, slotLog };
}

describe('SlotStore', () => {
  it('flushes the same keys with the same bytes, in the same order, as a key-value store holding the objects', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5 }), async (history, order) => {
        const { kvLog, slotLog, kv, slots } = await both(history, order);
        expect(hex(slotLog)).toEqual(hex(kvLog));
        expect(slots.size).toBe(kv.size);
      }),
      fuzzSettings({ numRuns: Number(process.env.SLOT_RUNS ?? 2000) }),
    );
  });

  it('restored from its changelog, or reopened from its directory, holds what it held', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slot-store-'));
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (history) => {
          const { slotLog } = await both(history, [0, 1, 2, 3, 4]);
          // Each key's last logged value, read back as the key-value store would.
          const expected = new Map(slotLog.map(([k, v]) => [k, v === null ? null : (decodeValue(v) as Seen)]));
          // From the changelog, into slots bound before and after the restore.
          const restored = new SlotStore('s');
          const again = new SeenSlots();
          restored.use(again);
          await restored.open(undefined);
          restored.bind(99, KEYS[0]);
          for (const [k, v] of slotLog) restored.restore(k, v);
          for (const [k, want] of expected) {
            const slot = k === KEYS[0] ? 99 : 50 + KEYS.indexOf(k);
            if (k !== KEYS[0]) restored.bind(slot, k);
            if (want) expect(again.snapshot(slot)).toEqual(want);
          }
          // Through a directory: write, reopen, read back.
          const path = join(dir, String(Math.random()).slice(2));
          const onDisk = new SlotStore('s');
          onDisk.use(new SeenSlots());
          await onDisk.open(path);
          for (const [k, v] of slotLog) onDisk.restore(k, v);
          await onDisk.flush('7');
          await onDisk.close();
          const reopened = new SlotStore('s');
          const read = new SeenSlots();
          reopened.use(read);
          await reopened.open(path);
          expect(reopened.committedMarker).toBe('7');
          expect(reopened.size).toBe([...expected.values()].filter((v) => v !== null).length);
          for (const [k, want] of expected) {
            const slot = 3 + KEYS.indexOf(k);
            reopened.bind(slot, k);
            if (want) expect(read.snapshot(slot)).toEqual(want);
          }
          await reopened.close();
        }),
        fuzzSettings({ numRuns: 20 }),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a directory a key-value store wrote, and writes one a key-value store reads: the same layout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slot-store-layout-'));
    try {
      const kv = new CachedKeyValueStore<Seen>('s');
      await kv.open(join(dir, 'a'));
      kv.put('BTC|1m', { ts: 1, close: null, recent: [1] });
      kv.put('ETH|5m', { ts: 2, close: -0, recent: [NaN, 2] });
      await kv.flush('kv-marker');
      await kv.close();
      const slots = new SlotStore('s');
      const codec = new SeenSlots();
      slots.use(codec);
      await slots.open(join(dir, 'a'));
      expect(slots.committedMarker).toBe('kv-marker');
      slots.bind(5, 'ETH|5m');
      expect(codec.snapshot(5)).toEqual({ ts: 2, close: -0, recent: [NaN, 2] });
      codec.update(5, 3, 4);
      slots.changed(5);
      await slots.flush('slot-marker');
      await slots.close();
      const back = new CachedKeyValueStore<Seen>('s');
      await back.open(join(dir, 'a'));
      expect(back.committedMarker).toBe('slot-marker');
      expect(new Map(back.entries())).toEqual(
        new Map([
          ['BTC|1m', { ts: 1, close: null, recent: [1] }],
          ['ETH|5m', { ts: 3, close: 4, recent: [NaN, 2, 3] }],
        ]),
      );
      await back.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to bind a slot or a key twice', async () => {
    const store = new SlotStore('s');
    store.use(new SeenSlots());
    store.bind(1, 'a');
    expect(() => store.bind(1, 'b')).toThrow(/slot 1 is already bound to "a"/);
    expect(() => store.bind(2, 'a')).toThrow(/key "a" is already bound to slot 1/);
  });
});
