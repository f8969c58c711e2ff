import { partitionFor } from './partitioner.ts';

/**
 * Symbols interned to small integers, once, where records enter: per-symbol state can then live in
 * arrays indexed by id instead of maps keyed by string. Ids belong to one process (or worker) and
 * are never persisted: stores, changelogs and files keep the strings.
 */
export class SymbolTable {
  readonly #ids = new Map<string, number>();
  readonly #names: string[] = [];
  /** id → position in string order; rebuilt after new names arrive. */
  #ranks: Int32Array | undefined;
  /** partition count → id → partition (-1: not computed yet). */
  readonly #partitions = new Map<number, Int32Array>();

  intern(name: string): number {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.#names.length;
      this.#ids.set(name, id);
      this.#names.push(name);
      this.#ranks = undefined;
    }
    return id;
  }

  name(id: number): string {
    const name = this.#names[id];
    if (name === undefined) throw new RangeError(`no symbol with id ${id} (the table has ${this.#names.length})`);
    return name;
  }

  get size(): number {
    return this.#names.length;
  }

  /** Position of the symbol in the order of `Array.prototype.sort` on the names, as windows close in key order. */
  rank(id: number): number {
    if (!this.#ranks || this.#ranks.length < this.#names.length) {
      const order = this.#names.map((_, i) => i).sort((a, b) => compare(this.#names[a], this.#names[b]));
      this.#ranks = new Int32Array(order.length);
      order.forEach((id, rank) => (this.#ranks![id] = rank));
    }
    return this.#ranks[id];
  }

  /** Kafka's partition for the symbol (`partitionFor`), computed once per id and partition count. */
  partition(id: number, partitions: number): number {
    let cache = this.#partitions.get(partitions);
    if (!cache || cache.length <= id) {
      const grown = new Int32Array(Math.max(16, this.#names.length * 2)).fill(-1);
      if (cache) grown.set(cache);
      this.#partitions.set(partitions, (cache = grown));
    }
    if (cache[id] < 0) cache[id] = partitionFor(this.name(id), partitions);
    return cache[id];
  }
}

/** The default sort's order: UTF-16 code units. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
