import type { BinaryWriter } from '../../state/binaryValue.ts';
import type { Indicator } from './Indicator.ts';
import { defineIndicator, type IndicatorSlots } from './IndicatorDefinition.ts';
import { grown } from './grown.ts';

const DAY = 86_400_000;

export interface VwapState {
  day: number | null;
  priceVolume: number;
  volume: number;
}

/**
 * Volume-weighted average prices, one per slot, of the typical price (h + l + c) / 3, anchored to the
 * UTC day: the sums restart with the first candle of each day. TA-Lib has no VWAP; null while the day
 * has no volume.
 */
export class VwapSlots {
  day: Float64Array;
  /** 1: no day yet. */
  dayNull: Uint8Array;
  priceVolume: Float64Array;
  volume: Float64Array;

  constructor(capacity: number) {
    this.day = new Float64Array(capacity);
    this.dayNull = new Uint8Array(capacity);
    this.priceVolume = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
  }

  grow(capacity: number): void {
    this.day = grown(this.day, capacity);
    this.dayNull = grown(this.dayNull, capacity);
    this.priceVolume = grown(this.priceVolume, capacity);
    this.volume = grown(this.volume, capacity);
  }

  load(slot: number, saved: VwapState | undefined): void {
    this.day[slot] = saved?.day ?? 0;
    this.dayNull[slot] = saved?.day == null ? 1 : 0;
    this.priceVolume[slot] = saved?.priceVolume ?? 0;
    this.volume[slot] = saved?.volume ?? 0;
  }

  step(slot: number, ts: number, high: number, low: number, close: number, volume: number): number | null {
    const day = Math.floor(ts / DAY);
    // `day !== null-or-day`, as the object form compares (NaN never equals itself: a new day each time).
    if (this.dayNull[slot] === 1 || day !== this.day[slot]) {
      this.day[slot] = day;
      this.dayNull[slot] = 0;
      this.priceVolume[slot] = 0;
      this.volume[slot] = 0;
    }
    this.priceVolume[slot] += ((high + low + close) / 3) * volume;
    this.volume[slot] += volume;
    return this.volume[slot] > 0 ? this.priceVolume[slot] / this.volume[slot] : null;
  }

  snapshot(slot: number): VwapState {
    return { day: this.dayNull[slot] ? null : this.day[slot], priceVolume: this.priceVolume[slot], volume: this.volume[slot] };
  }

  /** encodeValue(snapshot(slot)), without building it. */
  write(slot: number, w: BinaryWriter): void {
    w.object(3);
    w.key('day');
    w.numberOrNull(this.day[slot], this.dayNull[slot] === 1);
    w.key('priceVolume');
    w.number(this.priceVolume[slot]);
    w.key('volume');
    w.number(this.volume[slot]);
  }
}

/** One VWAP: a slot of VwapSlots. */
export class Vwap implements Indicator<[number, number, number, number, number], number> {
  readonly #slots = new VwapSlots(1);

  constructor(saved?: VwapState) {
    this.#slots.load(0, saved);
  }

  update(ts: number, high: number, low: number, close: number, volume: number): number | null {
    return this.#slots.step(0, ts, high, low, close, volume);
  }

  snapshot(): VwapState {
    return this.#slots.snapshot(0);
  }
}

/** vwap, anchored to the UTC day; it takes no periods. */
export const VWAP = defineIndicator({
  name: 'vwap',
  defaults: {},
  byDefault: true,
  columns: () => ['vwap'],
  slots(_, capacity): IndicatorSlots {
    const vwap = new VwapSlots(capacity);
    return {
      grow: (c) => vwap.grow(c),
      load: (slot, saved) => vwap.load(slot, saved as VwapState | undefined),
      update(slot, c, out) {
        out.vwap = vwap.step(slot, c.ts, c.high, c.low, c.close, c.volume);
      },
      snapshot: (slot) => vwap.snapshot(slot),
      write: (slot, w) => vwap.write(slot, w),
    };
  },
});
