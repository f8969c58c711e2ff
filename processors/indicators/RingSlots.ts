import { grown } from './grown.ts';
import type { BinaryWriter } from '../../state/binaryValue.ts';

/** Per slot, the last `size` values, oldest first, in a ring: push is O(1). Slot s's ring is values[s·size, (s+1)·size). */
export class RingSlots {
  readonly size: number;
  values: Float64Array;
  head: Int32Array;
  count: Int32Array;

  constructor(size: number, capacity: number) {
    this.size = size;
    this.values = new Float64Array(capacity * size);
    this.head = new Int32Array(capacity);
    this.count = new Int32Array(capacity);
  }

  grow(capacity: number): void {
    this.values = grown(this.values, capacity * this.size);
    this.head = grown(this.head, capacity);
    this.count = grown(this.count, capacity);
  }

  /** Empty the slot's ring, then push `saved` (a snapshot, oldest first). */
  load(slot: number, saved: readonly number[] | undefined): void {
    this.values.fill(0, slot * this.size, (slot + 1) * this.size);
    this.head[slot] = 0;
    this.count[slot] = 0;
    for (const v of saved ?? []) this.push(slot, v);
  }

  full(slot: number): boolean {
    return this.count[slot] === this.size;
  }

  /** The value `size - 1` pushes ago: the one that leaves the window next. */
  oldest(slot: number): number {
    return this.values[slot * this.size + this.head[slot]];
  }

  /** The i-th value, oldest first. */
  at(slot: number, i: number): number {
    return this.values[slot * this.size + ((this.head[slot] + i) % this.size)];
  }

  push(slot: number, value: number): void {
    const count = this.count[slot];
    this.values[slot * this.size + ((this.head[slot] + count) % this.size)] = value;
    if (count < this.size) this.count[slot] = count + 1;
    else this.head[slot] = (this.head[slot] + 1) % this.size;
  }

  toArray(slot: number): number[] {
    const values = new Array<number>(this.count[slot]);
    for (let i = 0; i < values.length; i++) values[i] = this.at(slot, i);
    return values;
  }

  /** The slot's values as an array, as `encodeValue(toArray(slot))` would write it. */
  write(slot: number, w: BinaryWriter): void {
    const n = this.count[slot];
    w.array(n);
    for (let i = 0; i < n; i++) w.number(this.at(slot, i));
  }
}
