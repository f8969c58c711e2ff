import type { Candle } from '../../market/Candle.ts';
import type { BinaryWriter } from '../../state/binaryValue.ts';
import type { IndicatorSlots } from './IndicatorDefinition.ts';
import { indicatorsInUse, type IndicatorPeriods } from './registry.ts';

/** A snapshot holds each indicator's under its name: { sma: [...], ema: [...], rsi: {...}, … }. */
type Snapshot = Record<string, unknown>;

/**
 * Every indicator in use, for many symbols and intervals: slot s is one symbol and interval, its
 * state in each indicator's arrays. Its snapshot (and the bytes `write` gives) is what
 * IndicatorSet.toJSON() has always been, so stores and changelogs keep their values.
 */
export class IndicatorSetSlots {
  readonly #names: string[] = [];
  readonly #running: IndicatorSlots[] = [];
  #capacity: number;

  constructor(p: IndicatorPeriods, capacity = 16) {
    this.#capacity = capacity;
    for (const { definition, params } of indicatorsInUse(p)) {
      this.#names.push(definition.name);
      this.#running.push(definition.slots(params, capacity));
    }
  }

  /** Room for `slot` (doubling). */
  reserve(slot: number): void {
    if (slot < this.#capacity) return;
    while (this.#capacity <= slot) this.#capacity *= 2;
    for (const indicator of this.#running) indicator.grow(this.#capacity);
  }

  /** Start the slot from a snapshot (undefined: afresh). */
  load(slot: number, saved: unknown): void {
    const s = saved as Snapshot | undefined;
    for (let i = 0; i < this.#running.length; i++) this.#running[i].load(slot, s?.[this.#names[i]]);
  }

  /** Feed the slot one closed candle; writes each indicator column (null during its lookback) into `out`. */
  update(slot: number, c: Candle, out: Record<string, unknown>): void {
    for (let i = 0; i < this.#running.length; i++) this.#running[i].update(slot, c, out);
  }

  snapshot(slot: number): Snapshot {
    const snapshot: Snapshot = {};
    for (let i = 0; i < this.#running.length; i++) snapshot[this.#names[i]] = this.#running[i].snapshot(slot);
    return snapshot;
  }

  /** encodeValue(snapshot(slot)), without building it. */
  write(slot: number, w: BinaryWriter): void {
    w.object(this.#running.length);
    for (let i = 0; i < this.#running.length; i++) {
      w.key(this.#names[i]);
      this.#running[i].write(slot, w);
    }
  }
}
