import { RingSlots } from './RingSlots.ts';

/** The last `size` values, oldest first, in a ring: push is O(1). One slot of RingSlots. */
export class RollingWindow {
  readonly size: number;
  readonly #ring: RingSlots;

  constructor(size: number, saved?: number[]) {
    this.size = size;
    this.#ring = new RingSlots(size, 1);
    this.#ring.load(0, saved);
  }

  get count(): number {
    return this.#ring.count[0];
  }

  get full(): boolean {
    return this.#ring.full(0);
  }

  /** The value `size - 1` pushes ago: the one that leaves the window next. */
  get oldest(): number {
    return this.#ring.oldest(0);
  }

  push(value: number): void {
    this.#ring.push(0, value);
  }

  toArray(): number[] {
    return this.#ring.toArray(0);
  }
}
