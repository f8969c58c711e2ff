import { BinaryWriter, decodeValue, encodeValue } from './binaryValue.ts';
import { LevelFile } from './LevelFile.ts';
import type { ChangeLogger, StateStore } from './StateStore.ts';

/** How an owner's state for one slot maps to the value a key-value store would hold for its key. */
export interface SlotCodec {
  /** Scatter a stored value (as decodeValue gives it) into the slot; undefined: start the slot afresh. */
  read(slot: number, value: unknown): void;
  /** Write the slot's value with `writer`: exactly the bytes encodeValue gives for the object it stands for. */
  write(slot: number, writer: BinaryWriter): void;
}

export interface SlotStoreOptions {
  /** Dirty slots that force an early commit; see `needsFlush`. */
  maxDirtyEntries?: number;
}

/**
 * A key-value store whose working set is not held as values but by its owner, in arrays indexed by
 * an integer slot (per symbol and interval, say): the store itself touches no string and no Map per write. The
 * owner binds each slot to its key once, marks it `changed` when it writes it, and lends the store a
 * codec. Persistence is the key-value store's, byte for byte: a flush writes each changed slot under
 * its key with the bytes `encodeValue` gives for the owner's object (CachedKeyValueStore's layout, so
 * state directories and changelogs need no migration). Values read from disk or a changelog wait,
 * decoded, until their key is bound.
 */
export class SlotStore implements StateStore {
  readonly name: string;
  #codec: SlotCodec | undefined;
  /** slot → key; undefined: not bound yet. */
  #keys: (string | undefined)[] = [];
  readonly #slotOf = new Map<string, number>();
  /** Per slot, 1/0: holds a value (a fresh slot holds none until it changes); the value is in the committed state. */
  #present = new Uint8Array(16);
  #persisted = new Uint8Array(16);
  /**
   * What changed since the last flush, in order of first change (a flush writes in that order, as a
   * key-value store does): slots (≥ 0) and, as −1 − i, keys `#pendingChanged[i]` changed by a restore
   * while no slot stood for them. `#listedAt[slot]` is the slot's live entry (directly or through its
   * key), −1 when it is not listed: an entry whose slot was unlisted since is skipped.
   */
  #listedAt = new Int32Array(16).fill(-1);
  #list = new Int32Array(16);
  #listed = 0;
  /** Stored values of keys no slot is bound to yet (from disk or a changelog). */
  readonly #pending = new Map<string, unknown>();
  readonly #pendingPersisted = new Set<string>();
  #pendingChanged: (string | undefined)[] = [];
  /** key → its entry in the list. */
  readonly #pendingListedAt = new Map<string, number>();
  readonly #writer = new BinaryWriter();
  #file: LevelFile | undefined;
  #marker: string | undefined;
  readonly #maxDirty: number;

  constructor(name: string, options: SlotStoreOptions = {}) {
    this.name = name;
    this.#maxDirty = options.maxDirtyEntries ?? 100_000;
  }

  /** The owner's codec: from here on, bound slots are read and written through it. */
  use(codec: SlotCodec): void {
    this.#codec = codec;
  }

  get size(): number {
    let n = this.#pending.size;
    for (let s = 0; s < this.#keys.length; s++) n += this.#present[s];
    return n;
  }

  get committedMarker(): string | undefined {
    return this.#marker;
  }

  get needsFlush(): boolean {
    return this.#listed >= this.#maxDirty;
  }

  async open(dir: string | undefined): Promise<void> {
    if (!dir) return;
    this.#file = new LevelFile(dir);
    this.#marker = await this.#file.open((key, bytes) => {
      const value = decodeValue(bytes);
      const slot = this.#slotOf.get(key);
      if (slot === undefined) {
        this.#pending.set(key, value);
        this.#pendingPersisted.add(key);
      } else {
        this.#codec!.read(slot, value);
        this.#present[slot] = 1;
        this.#persisted[slot] = 1;
      }
    });
  }

  /** Whether `bind` gave the slot its key. */
  bound(slot: number): boolean {
    return this.#keys[slot] !== undefined;
  }

  /** The slot stands for `key` from now on: its stored value, if any, is read into it; else it starts afresh. */
  bind(slot: number, key: string): void {
    if (this.#keys[slot] !== undefined) throw new Error(`store "${this.name}": slot ${slot} is already bound to "${this.#keys[slot]}"`);
    if (this.#slotOf.has(key)) throw new Error(`store "${this.name}": key "${key}" is already bound to slot ${this.#slotOf.get(key)}`);
    this.#reserve(slot);
    this.#keys[slot] = key;
    this.#slotOf.set(key, slot);
    const value = this.#pending.get(key);
    this.#codec!.read(slot, value);
    this.#present[slot] = value === undefined ? 0 : 1;
    this.#persisted[slot] = this.#pendingPersisted.delete(key) ? 1 : 0;
    this.#pending.delete(key);
    // Restored since the last flush: listed under its key, which the flush now finds bound.
    const listed = this.#pendingListedAt.get(key);
    if (listed !== undefined) this.#listedAt[slot] = listed;
  }

  /** The owner wrote the slot: it holds a value, written at the next flush. */
  changed(slot: number): void {
    this.#present[slot] = 1;
    if (this.#listedAt[slot] < 0) this.#listedAt[slot] = this.#append(slot);
  }

  async flush(commitMarker: string, log?: ChangeLogger): Promise<void> {
    const changes: [string, Uint8Array | null][] = [];
    const change = (key: string, bytes: Uint8Array | null) => {
      changes.push([key, bytes]);
      log?.(key, bytes);
    };
    for (let i = 0; i < this.#listed; i++) {
      let slot = this.#list[i];
      if (slot < 0) {
        const key = this.#pendingChanged[-1 - slot];
        if (key === undefined) continue; // unlisted since
        const bound = this.#slotOf.get(key);
        if (bound === undefined) {
          this.#flushPending(key, change);
          continue;
        }
        slot = bound;
      }
      if (this.#listedAt[slot] !== i) continue; // unlisted since, or listed again later
      this.#listedAt[slot] = -1;
      if (this.#present[slot]) {
        this.#writer.begin();
        this.#codec!.write(slot, this.#writer);
        change(this.#keys[slot]!, this.#writer.bytes());
        this.#persisted[slot] = 1;
      } else if (this.#persisted[slot]) {
        change(this.#keys[slot]!, null);
        this.#persisted[slot] = 0;
      }
    }
    this.#listed = 0;
    this.#pendingChanged = [];
    this.#pendingListedAt.clear();
    // Everything up to here is synchronous: the changes are taken before the write is awaited.
    this.#marker = commitMarker;
    await this.#file?.write(changes, commitMarker);
  }

  /** As the key-value store's restore: a put, or a delete (of a value held) that unlists a change never persisted. */
  restore(key: string, bytes: Uint8Array | null): void {
    const value = bytes === null ? undefined : decodeValue(bytes);
    const slot = this.#slotOf.get(key);
    if (slot === undefined) return this.#restorePending(key, value);
    if (value === undefined && !this.#present[slot]) return;
    this.#codec!.read(slot, value);
    if (value !== undefined) return this.changed(slot);
    this.#present[slot] = 0;
    if (this.#persisted[slot]) {
      if (this.#listedAt[slot] < 0) this.#listedAt[slot] = this.#append(slot);
    } else this.#listedAt[slot] = -1;
  }

  #restorePending(key: string, value: unknown): void {
    if (value === undefined && !this.#pending.has(key)) return;
    if (value === undefined) this.#pending.delete(key);
    else this.#pending.set(key, value);
    const listed = this.#pendingListedAt.get(key);
    if (value === undefined && !this.#pendingPersisted.has(key)) {
      if (listed !== undefined) this.#pendingChanged[-1 - this.#list[listed]] = undefined;
      this.#pendingListedAt.delete(key);
    } else if (listed === undefined) {
      this.#pendingChanged.push(key);
      this.#pendingListedAt.set(key, this.#append(-this.#pendingChanged.length));
    }
  }

  async wipe(): Promise<void> {
    for (let slot = 0; slot < this.#keys.length; slot++) {
      if (this.#keys[slot] === undefined) continue;
      this.#codec!.read(slot, undefined);
      this.#present[slot] = 0;
      this.#persisted[slot] = 0;
      this.#listedAt[slot] = -1;
    }
    this.#listed = 0;
    this.#pending.clear();
    this.#pendingPersisted.clear();
    this.#pendingChanged = [];
    this.#pendingListedAt.clear();
    this.#marker = undefined;
    await this.#file?.wipe();
  }

  async close(): Promise<void> {
    await this.#file?.close();
  }

  /** Add an entry to the change list; returns its position. */
  #append(entry: number): number {
    if (this.#listed === this.#list.length) {
      const longer = new Int32Array(this.#list.length * 2);
      longer.set(this.#list);
      this.#list = longer;
    }
    this.#list[this.#listed] = entry;
    return this.#listed++;
  }

  /** A restored key no slot stands for: its value as the key-value store would write it. */
  #flushPending(key: string, change: (key: string, bytes: Uint8Array | null) => void): void {
    const value = this.#pending.get(key);
    if (value !== undefined) {
      change(key, encodeValue(value));
      this.#pendingPersisted.add(key);
    } else if (this.#pendingPersisted.delete(key)) change(key, null);
  }

  /** Room for `slot` in the per-slot arrays (doubling). */
  #reserve(slot: number): void {
    if (this.#keys.length <= slot) this.#keys.length = slot + 1;
    if (slot < this.#present.length) return;
    let capacity = this.#present.length;
    while (capacity <= slot) capacity *= 2;
    const grow = (a: Uint8Array) => {
      const bigger = new Uint8Array(capacity);
      bigger.set(a);
      return bigger;
    };
    this.#present = grow(this.#present);
    this.#persisted = grow(this.#persisted);
    const listedAt = new Int32Array(capacity).fill(-1);
    listedAt.set(this.#listedAt);
    this.#listedAt = listedAt;
  }
}

export function slotStore(name: string, options: SlotStoreOptions = {}) {
  return { name, build: () => new SlotStore(name, options) };
}
