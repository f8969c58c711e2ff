/** Small integer ids for strings, one per distinct string, in first-seen order. */
export interface Interner {
  intern(name: string): number;
}

export class StringInterner implements Interner {
  readonly #ids = new Map<string, number>();
  readonly #names: string[] = [];

  intern(name: string): number {
    let id = this.#ids.get(name);
    if (id === undefined) this.#ids.set(name, (id = this.#names.push(name) - 1));
    return id;
  }

  name(id: number): string {
    return this.#names[id];
  }

  get size(): number {
    return this.#names.length;
  }
}
