import type { BinaryWriter } from '../../state/binaryValue.ts';
import { requirePeriod, type Indicator } from './Indicator.ts';
import { defineIndicator, wholeNumbers, type IndicatorSlots } from './IndicatorDefinition.ts';
import { grown } from './grown.ts';

export interface AtrState {
  previousClose: number | null;
  ranges: number;
  total: number;
  value: number | null;
}

/**
 * Average true ranges, one per slot, as TA-Lib's TA_ATR: true ranges from the second candle on, the
 * first ATR (at index `period`) their simple mean, then Wilder's smoothing (atr·(period − 1) + tr) / period.
 */
export class AtrSlots {
  readonly period: number;
  previousClose: Float64Array;
  previousCloseNull: Uint8Array;
  ranges: Float64Array;
  total: Float64Array;
  value: Float64Array;
  valueNull: Uint8Array;

  constructor(period: number, capacity: number) {
    this.period = requirePeriod('ATR period', period);
    this.previousClose = new Float64Array(capacity);
    this.previousCloseNull = new Uint8Array(capacity);
    this.ranges = new Float64Array(capacity);
    this.total = new Float64Array(capacity);
    this.value = new Float64Array(capacity);
    this.valueNull = new Uint8Array(capacity);
  }

  grow(capacity: number): void {
    this.previousClose = grown(this.previousClose, capacity);
    this.previousCloseNull = grown(this.previousCloseNull, capacity);
    this.ranges = grown(this.ranges, capacity);
    this.total = grown(this.total, capacity);
    this.value = grown(this.value, capacity);
    this.valueNull = grown(this.valueNull, capacity);
  }

  load(slot: number, saved: AtrState | undefined): void {
    this.previousClose[slot] = saved?.previousClose ?? 0;
    this.previousCloseNull[slot] = saved?.previousClose == null ? 1 : 0;
    this.ranges[slot] = saved?.ranges ?? 0;
    this.total[slot] = saved?.total ?? 0;
    this.value[slot] = saved?.value ?? 0;
    this.valueNull[slot] = saved?.value == null ? 1 : 0;
  }

  step(slot: number, high: number, low: number, close: number): number | null {
    const wasNull = this.previousCloseNull[slot];
    const previousClose = this.previousClose[slot];
    this.previousClose[slot] = close;
    this.previousCloseNull[slot] = 0;
    if (wasNull) return null;
    const tr = trueRange(high, low, previousClose);
    if (this.valueNull[slot] === 0) {
      let atr = this.value[slot] * (this.period - 1);
      atr += tr;
      return (this.value[slot] = atr / this.period);
    }
    this.total[slot] += tr;
    if (++this.ranges[slot] < this.period) return null;
    this.valueNull[slot] = 0;
    return (this.value[slot] = this.total[slot] / this.period);
  }

  snapshot(slot: number): AtrState {
    return {
      previousClose: this.previousCloseNull[slot] ? null : this.previousClose[slot],
      ranges: this.ranges[slot],
      total: this.total[slot],
      value: this.valueNull[slot] ? null : this.value[slot],
    };
  }

  /** encodeValue(snapshot(slot)), without building it. */
  write(slot: number, w: BinaryWriter): void {
    w.object(4);
    w.key('previousClose');
    w.numberOrNull(this.previousClose[slot], this.previousCloseNull[slot] === 1);
    w.key('ranges');
    w.number(this.ranges[slot]);
    w.key('total');
    w.number(this.total[slot]);
    w.key('value');
    w.numberOrNull(this.value[slot], this.valueNull[slot] === 1);
  }
}

/** TA-Lib's TRANGE: the greatest of high − low, |prev close − high|, |prev close − low|. */
function trueRange(high: number, low: number, previousClose: number): number {
  let greatest = high - low;
  const toHigh = Math.abs(previousClose - high);
  if (toHigh > greatest) greatest = toHigh;
  const toLow = Math.abs(previousClose - low);
  if (toLow > greatest) greatest = toLow;
  return greatest;
}

/** One average true range: a slot of AtrSlots. */
export class Atr implements Indicator<[number, number, number], number> {
  readonly period: number;
  readonly #slots: AtrSlots;

  constructor(period = 14, saved?: AtrState) {
    this.#slots = new AtrSlots(period, 1);
    this.period = period;
    this.#slots.load(0, saved);
  }

  update(high: number, low: number, close: number): number | null {
    return this.#slots.step(0, high, low, close);
  }

  snapshot(): AtrState {
    return this.#slots.snapshot(0);
  }
}

/** `atr=14`: atr_14 of high, low and close. */
export const ATR = defineIndicator({
  name: 'atr',
  defaults: 14 as number,
  byDefault: true,
  parse: (numbers) => wholeNumbers(numbers, 1)[0],
  columns: (period) => [`atr_${period}`],
  slots(period, capacity): IndicatorSlots {
    const column = `atr_${period}`;
    const atr = new AtrSlots(period, capacity);
    return {
      grow: (c) => atr.grow(c),
      load: (slot, saved) => atr.load(slot, saved as AtrState | undefined),
      update(slot, c, out) {
        out[column] = atr.step(slot, c.high, c.low, c.close);
      },
      snapshot: (slot) => atr.snapshot(slot),
      write: (slot, w) => atr.write(slot, w),
    };
  },
});
